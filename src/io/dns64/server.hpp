// The `sixfour dns64` daemon: UDP and TCP DNS servers (standalone Asio, C++20 coroutines) in front
// of the pure dns64 logic, a forwarding client for the upstream recursive resolvers (failover,
// retry, timeouts, TCP when an answer is truncated), and the shared answer cache.
//
// Threads: one per configured thread, each with its own io_context and, per listen address, its
// own UDP socket bound with SO_REUSEPORT (the kernel spreads clients over them) and TCP acceptor.
// A query answered from the cache never leaves the receiving thread's loop.
#pragma once
#include <memory>
#include <string>

#include "common/result.hpp"
#include "dns64/config.hpp"

namespace sixfour::io {

class Dns64Server {
 public:
  // Binds every listen address (UDP and TCP) and starts the threads.
  static Result<std::unique_ptr<Dns64Server>> start(const dns64::DaemonConfig& cfg);
  ~Dns64Server();  // stops and joins the threads

  // SIGHUP: from now on, answers the clients of `cfg.allow` and asks `cfg.upstreams` (each thread
  // takes them between two queries; lookups under way finish with the old upstreams). The rest of
  // `cfg` is not looked at. Returns "clients ...; upstream ..." for the log.
  std::string reload(const dns64::DaemonConfig& cfg);

  // The counters as one JSON object (served by the control socket, read by `dns64 stats`).
  std::string stats_json() const;

  struct Impl;

 private:
  explicit Dns64Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sixfour::io
