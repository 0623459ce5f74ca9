// The data plane of `sixfour nat64`: the shared TUN loop (io/dataplane/data_plane.hpp) with one
// nat64::Translator per worker, all sharing one nat64::State (the BIB and session tables of
// RFC 6146 §3.1); and a housekeeping thread that lets the State expire sessions.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/sys/fd.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"
#include "nat64/session_sink.hpp"
#include "nat64/settings.hpp"
#include "nat64/translator.hpp"

namespace sixfour::io {

class Nat64Daemon {
 public:
  // `tun` must outlive the daemon. The settings are copied; with `log_sessions`, every BIB and
  // session creation/removal is logged on stderr (RFC 6888 §4: who used which outside address and
  // port, when); with port blocks (settings.port_block_size), every block given to or taken back
  // from an inside address is, whatever `log_sessions` says.
  Nat64Daemon(nat64::Settings settings, const Tun& tun, bool log_sessions);
  Nat64Daemon(const Nat64Daemon&) = delete;
  Nat64Daemon& operator=(const Nat64Daemon&) = delete;
  ~Nat64Daemon() { stop(); }

  // The eBPF fast path (io/fastpath/nat64_fast_path.hpp), set before start(): the State publishes
  // sessions to `sink` (nullptr: none; it must outlive the daemon), and stats shows `stats()` as
  // "fast_path".
  void set_fast_path(nat64::SessionSink* sink, std::function<FastPathStats()> stats) {
    sink_ = sink;
    fast_stats_ = std::move(stats);
  }

  Status start();  // the shared State, one Translator and thread per TUN queue, housekeeping
  // After start(): the flow steering's state for the start line (io/sys/tun_steering.hpp).
  const std::string& steering() const { return steering_; }
  void stop();  // wakes every thread and joins them (idempotent)
  // A worker whose queue fails raises SIGTERM, so the caller's signal wait also covers it.

  // Control-socket replies; safe from any thread while the daemon runs.
  std::string stats_json() const;     // per-worker translator + I/O counters, their sums, State's
  std::string sessions_json() const;  // [{"proto":"udp","addr6":...}, ...]
  std::string bib_json() const;

  // The daemon's clock: CLOCK_MONOTONIC in milliseconds (what Translator and State are given).
  static uint64_t now_ms();

  // One worker's translator counters as last published: (name, value) in its visit order.
  // Published after every batch under a per-worker mutex the reader holds only to copy.
  struct alignas(64) Published {
    mutable std::mutex m;
    std::vector<std::pair<std::string, uint64_t>> translator;
  };
  static void publish(Published& p, const nat64::Translator& t);

 private:
  void housekeeping();

  nat64::Settings settings_;
  const Tun& tun_;
  std::unique_ptr<nat64::State> state_;
  nat64::SessionSink* sink_ = nullptr;
  std::function<FastPathStats()> fast_stats_;
  std::unique_ptr<Published[]> published_;
  Fd stop_fd_;  // eventfd: readable once stop() is called (housekeeping)
  std::thread housekeeping_;
  xlat::IcmpLimits expire_limit_;  // the housekeeping thread's share of the ICMP error limits
  std::atomic<uint64_t> expire_limited_{0};
  std::string steering_;
  DataPlane plane_;  // last: its workers use the State and the Published slots
};

}  // namespace sixfour::io
