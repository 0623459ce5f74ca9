// The data plane of `sixfour siit`: the shared TUN loop (io/dataplane/data_plane.hpp) with one
// siit::Translator per worker (sharing the read-only Settings), and its counters for `stats`.
#pragma once
#include <memory>
#include <string>

#include "common/result.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"
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
  // After start(): the flow steering's state for the start line (io/sys/tun_steering.hpp).
  const std::string& steering() const { return steering_; }
  void stop() { plane_.stop(); }  // wakes every worker and joins them (idempotent)
  // A worker whose queue fails raises SIGTERM, so the caller's signal wait also covers it.

  // Safe from any thread while the workers run.
  StatsSnapshot stats() const;

 private:
  const siit::Settings& settings_;
  std::unique_ptr<PublishedCounters[]> published_;
  DataPlane plane_;
  std::string steering_;
};

}  // namespace sixfour::io
