#include "io/socks/stats.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/socks/server.hpp"
#include "io/sys/control.hpp"

namespace sixfour::io {

namespace socks_proxy {

std::string stats_json(const Counters& c, Clock::time_point start) {
  auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  nlohmann::ordered_json j;
  j["uptime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  j["clients"] = {{"accepted", v(c.accepted)},
                  {"active", v(c.active)},
                  {"refused_allow", v(c.refused_allow)},
                  {"refused_limit", v(c.refused_limit)},
                  {"refused_fd", v(c.refused_fd)},
                  {"bad_handshake", v(c.bad_handshake)},
                  {"handshake_timeout", v(c.handshake_timeout)},
                  {"handshake_evicted", v(c.handshake_evicted)},
                  {"socks4", v(c.socks4)},
                  {"socks5", v(c.socks5)},
                  {"idle_closed", v(c.idle_closed)}};
  j["auth"] = {{"ok", v(c.auth_ok)}, {"failed", v(c.auth_failed)}};
  j["commands"] = {{"connect", v(c.connect)}, {"bind", v(c.bind)}, {"udp_associate", v(c.udp_associate)}};
  j["bytes"] = {{"up", v(c.bytes_up)}, {"down", v(c.bytes_down)}};
  j["udp"] = {{"in", v(c.udp_in)}, {"out", v(c.udp_out)}, {"dropped", v(c.udp_dropped)}};
  j["nat64_attempts"] = v(c.nat64_attempts);
  j["splice_fallback"] = v(c.splice_fallback);
  static constexpr const char* kNames[] = {
      "succeeded",          "general_failure", "not_allowed",           "network_unreachable",       "host_unreachable",
      "connection_refused", "ttl_expired",     "command_not_supported", "address_type_not_supported"};
  nlohmann::ordered_json replies = nlohmann::ordered_json::object();
  for (size_t i = 0; i < c.replies.size(); ++i) replies[kNames[i]] = v(c.replies[i]);
  j["replies"] = std::move(replies);
  return j.dump() + "\n";
}

}  // namespace socks_proxy

int socks_stats(const std::string& control, bool json) {
  return control_command("sixfour socks stats", control, "stats", json, [](const nlohmann::json& doc) {
    std::string out;
    for (const auto& [k, v] : flatten(doc)) out += fmt::format("{:<40} {}\n", k, v);
    return out;
  });
}

}  // namespace sixfour::io
