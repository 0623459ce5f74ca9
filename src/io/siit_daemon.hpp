// The data plane of `sixfour siit`: one worker thread per TUN queue, each with its own Translator
// (sharing the read-only Settings) and its own preallocated buffers. Packets of both families are
// read from the queue, translated, and written back to the same queue: the kernel routes the result.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "io/fd.hpp"
#include "io/stats.hpp"
#include "io/tun.hpp"
#include "siit/settings.hpp"

namespace sixfour::io {

class SiitDaemon {
 public:
  // `settings` and `tun` must outlive the daemon.
  SiitDaemon(const siit::Settings& settings, const Tun& tun);
  SiitDaemon(const SiitDaemon&) = delete;
  SiitDaemon& operator=(const SiitDaemon&) = delete;
  ~SiitDaemon() { stop(); }

  Status start();  // one thread per TUN queue
  void stop();     // wakes every worker and joins them (idempotent)
  // A worker whose queue fails raises SIGTERM, so the caller's signal wait also covers it.

  // Safe from any thread while the workers run.
  StatsSnapshot stats() const;

 private:
  void run(size_t queue);

  const siit::Settings& settings_;
  const Tun& tun_;
  std::atomic<bool> stopping_{false};
  Fd stop_fd_;  // eventfd: readable once stop() is called
  std::unique_ptr<PublishedCounters[]> published_;
  std::vector<std::thread> threads_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sixfour::io
