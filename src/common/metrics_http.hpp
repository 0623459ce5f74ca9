// `--metrics ADDR:PORT` (every daemon): where the Prometheus exposition is served, and the HTTP
// side of it, without the socket. The server (io/sys/metrics_server) answers one request per
// connection: GET or HEAD of /metrics, 200 with common/prometheus.hpp's text; anything else 404
// or 405; a request head that is not HTTP/1.x, 400.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/config_input.hpp"
#include "common/result.hpp"

namespace sixfour {

inline constexpr std::string_view kMetricsHelp =
    "serve the counters in the Prometheus text format at http://ADDR:PORT/metrics, e.g. [::1]:9164 or "
    "127.0.0.1:9164 (off unless given; keep it on loopback or a management network)";

struct MetricsEndpoint {
  bool v6 = false;
  std::string address;  // the literal, without brackets
  uint16_t port = 0;
  std::string str() const;  // "[::1]:9164", "127.0.0.1:9164"
  bool operator==(const MetricsEndpoint&) const = default;
};

// "[IPV6]:PORT" or "IPV4:PORT", PORT 1..65535.
Result<MetricsEndpoint> parse_metrics_endpoint(std::string_view text);

// Sets `dst` when `g` was given ("" turns it off); a bad value fails naming the key and value.
Status set_metrics(const Given<std::string>& g, std::string_view key, std::optional<MetricsEndpoint>& dst);

// The reply to one request whose head (up to the blank line) is `head`; `body` is asked only for a
// GET or HEAD of /metrics.
std::string metrics_http_reply(std::string_view head, const std::function<std::string()>& body);

}  // namespace sixfour
