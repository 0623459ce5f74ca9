#include "common/metrics_http.hpp"

#include <fmt/format.h>

#include "addr/ip.hpp"

namespace sixfour {

std::string MetricsEndpoint::str() const {
  return v6 ? fmt::format("[{}]:{}", address, port) : fmt::format("{}:{}", address, port);
}

Result<MetricsEndpoint> parse_metrics_endpoint(std::string_view text) {
  auto hp = HostPort::parse(text);
  if (!hp) return Error{hp.error()};
  MetricsEndpoint e;
  e.v6 = hp->v6;
  e.address = hp->v6 ? hp->a6.str() : hp->a4.str();
  e.port = hp->port;
  return e;
}

Status set_metrics(const Given<std::string>& g, std::string_view key, std::optional<MetricsEndpoint>& dst) {
  if (!g.has()) return Ok{};
  if (g.value->empty()) {
    dst.reset();
    return Ok{};
  }
  auto e = parse_metrics_endpoint(*g.value);
  if (!e) return Error{fail(g.file, key, *g.value, e.error())};
  dst = *e;
  return Ok{};
}

namespace {

std::string reply(std::string_view status, std::string_view type, const std::string& body, bool with_body) {
  return fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", status,
                     type, body.size(), with_body ? body : "");
}

}  // namespace

std::string metrics_http_reply(std::string_view head, const std::function<std::string()>& body) {
  const size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
    return reply("400 Bad Request", "text/plain; charset=utf-8", "bad request\n", true);
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (const size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target != "/metrics") return reply("404 Not Found", "text/plain; charset=utf-8", "try /metrics\n", true);
  if (method != "GET" && method != "HEAD")
    return reply("405 Method Not Allowed", "text/plain; charset=utf-8", "GET or HEAD\n", true);
  return reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", body(), method == "GET");
}

}  // namespace sixfour
