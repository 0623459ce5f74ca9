// Counters of a running translator as published by the workers and served on the control socket
// (JSON), and a small reader for that JSON (used by `sixfour siit stats`).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_write.hpp"
#include "common/result.hpp"
#include "io/fastpath/siit_fast_path.hpp"
#include "siit/translator.hpp"

namespace sixfour::io {

// Counters the I/O loop keeps besides the translator's own (io/dataplane/data_plane.hpp).
struct IoCounters {
  uint64_t read_errors = 0;
  uint64_t write_errors = 0;
  uint64_t wakeups = 0;  // poll() returns with packets; packets/wakeups is the batch size
  // TUN offloads (xlat/offload.hpp), all zero without them:
  uint64_t super_packets = 0;      // GSO super-packets translated whole and written as one
  uint64_t segmented = 0;          // super-packets split in software first (they would not fit as one)
  uint64_t segments = 0;           // the packets those splits produced
  uint64_t csum_finished = 0;      // partial checksums completed before translating
  uint64_t udp_trains = 0;         // UDP GSO super-packets built from translated datagrams (udp_coalescer.hpp)
  uint64_t udp_coalesced = 0;      // the datagrams in them
  uint64_t offload_malformed = 0;  // dropped: virtio-net header inconsistent with its packet

  IoCounters& operator+=(const IoCounters& o);
};

// The fields of IoCounters, named as in JSON, in the order io_json writes them; offload_malformed,
// last, is reported among the drops instead.
inline constexpr std::array<CounterField<IoCounters>, 10> kIoFields = {
    {SIXFOUR_COUNTER_FIELD(IoCounters, read_errors), SIXFOUR_COUNTER_FIELD(IoCounters, write_errors),
     SIXFOUR_COUNTER_FIELD(IoCounters, wakeups), SIXFOUR_COUNTER_FIELD(IoCounters, super_packets),
     SIXFOUR_COUNTER_FIELD(IoCounters, segmented), SIXFOUR_COUNTER_FIELD(IoCounters, segments),
     SIXFOUR_COUNTER_FIELD(IoCounters, csum_finished), SIXFOUR_COUNTER_FIELD(IoCounters, udp_trains),
     SIXFOUR_COUNTER_FIELD(IoCounters, udp_coalesced), SIXFOUR_COUNTER_FIELD(IoCounters, offload_malformed)}};

// Name of the drop counter for offload_malformed, next to the translators' reasons in "drops".
inline constexpr std::string_view kOffloadMalformed = "offload-malformed";

// Adds the I/O counters to a JSON object as members: "read_errors":0,"write_errors":0,...
void io_json(Json& out, const IoCounters& io);

// One worker's I/O counters, copied out of the hot path with relaxed stores after each batch (see
// PublishedCounters). Aligned so workers do not share cache lines.
class alignas(64) PublishedIo {
 public:
  void publish(const IoCounters& io);
  IoCounters load() const;

 private:
  std::array<std::atomic<uint64_t>, kIoFields.size()> fields_{};  // in kIoFields order
};

// One worker's counters, copied out of the hot path with relaxed stores after each batch: the
// reader sees each counter exactly (64-bit stores are single-copy atomic) though not all counters
// of the same instant, which statistics do not need. Aligned so workers do not share cache lines.
class alignas(64) PublishedCounters {
 public:
  void publish(const siit::Counters& c);
  void load(siit::Counters& c) const;

 private:
  static constexpr size_t kDrops = static_cast<size_t>(xlat::DropReason::Count_);
  std::array<std::atomic<uint64_t>, siit::kCounterFields.size()> fields_{};  // in kCounterFields order
  std::array<std::atomic<uint64_t>, kDrops> drops_{};
};

struct StatsSnapshot {
  std::string tun;
  std::string offloads = "none";  // Tun::offload_names()
  uint64_t uptime_seconds = 0;
  // Sources of the ICMP errors the translator makes itself (xlat::Config::self4/self6), shown as
  // "icmp_source": {"ipv4", "ipv6"} when set.
  std::string icmp_source4, icmp_source6;
  std::vector<siit::Counters> workers;
  std::vector<IoCounters> io;
  // The eBPF fast path, shown as "fast_path": {"state", "reason", "counters"} when set.
  std::optional<FastPathStats> fast_path;

  siit::Counters total() const;
  IoCounters io_total() const;
};

uint64_t total_drops(const siit::Counters& c);

std::string to_json(const StatsSnapshot& s);

// Adds "fast_path": {"state", "reason", "counters"} to a stats object.
void fast_path_json(Json& out, const FastPathStats& fp);

}  // namespace sixfour::io
