// `--metrics ADDR:PORT`: a small HTTP server for Prometheus on its own thread (an Asio io_context,
// like the control socket). Each connection sends one request head; the reply comes from
// common/metrics_http.hpp and the connection is closed. At most kMaxClients at once, a head of at
// most 8 KiB, 5 s to send it.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "common/metrics_http.hpp"
#include "common/result.hpp"

namespace sixfour::io {

class MetricsServer {
 public:
  // The exposition text; called on the server's thread for each GET or HEAD of /metrics.
  using Body = std::function<std::string()>;
  static constexpr size_t kMaxClients = 16;

  static Result<std::unique_ptr<MetricsServer>> start(const MetricsEndpoint& at, Body body);
  ~MetricsServer();  // stops the thread, closes the socket

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sixfour::io
