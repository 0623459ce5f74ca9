// Counters of a running translator as published by the workers and served on the control socket
// (JSON), and a small reader for that JSON (used by `sixfour siit stats`).
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "siit/translator.hpp"

namespace sixfour::io {

// Counters the I/O loop keeps besides the translator's own.
struct IoCounters {
  uint64_t read_errors = 0;
  uint64_t write_errors = 0;
  uint64_t wakeups = 0;  // poll() returns with packets; packets/wakeups is the batch size
};

// One worker's counters, copied out of the hot path with relaxed stores after each batch: the
// reader sees each counter exactly (64-bit stores are single-copy atomic) though not all counters
// of the same instant, which statistics do not need. Aligned so workers do not share cache lines.
class alignas(64) PublishedCounters {
 public:
  void publish(const siit::Counters& c, const IoCounters& io);
  void load(siit::Counters& c, IoCounters& io) const;

 private:
  static constexpr size_t kDrops = static_cast<size_t>(xlat::DropReason::Count_);
  std::atomic<uint64_t> in4_{0}, in6_{0}, out4_{0}, out6_{0}, icmp_{0}, hairpin_{0};
  std::atomic<uint64_t> read_errors_{0}, write_errors_{0}, wakeups_{0};
  std::array<std::atomic<uint64_t>, kDrops> drops_{};
};

struct StatsSnapshot {
  std::string tun;
  uint64_t uptime_seconds = 0;
  std::vector<siit::Counters> workers;
  std::vector<IoCounters> io;

  siit::Counters total() const;
  IoCounters io_total() const;
};

uint64_t total_drops(const siit::Counters& c);

std::string to_json(const StatsSnapshot& s);

// Reads a JSON document into flat "path = value" pairs: {"a":{"b":1},"c":[{"d":"x"}]} gives
// a.b = 1, c.0.d = x. Strings are unescaped; numbers, true/false/null are kept as written.
Result<std::map<std::string, std::string>> flatten_json(std::string_view text);

}  // namespace sixfour::io
