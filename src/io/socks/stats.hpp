// The proxy's counters (relaxed atomics: statistics need no ordering) and their JSON, which the
// control socket serves and `sixfour socks stats` reads back (io::socks_stats, server.hpp).
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace sixfour::io::socks_proxy {

using Clock = std::chrono::steady_clock;

struct Counters {
  std::atomic<uint64_t> accepted{0}, active{0}, refused_allow{0}, refused_limit{0}, refused_fd{0}, bad_handshake{0},
      handshake_timeout{0}, auth_ok{0}, auth_failed{0}, socks4{0}, socks5{0}, connect{0}, bind{0}, udp_associate{0},
      udp_in{0}, udp_out{0}, udp_dropped{0}, bytes_up{0}, bytes_down{0}, idle_closed{0}, nat64_attempts{0},
      splice_fallback{0}, handshake_evicted{0};
  std::array<std::atomic<uint64_t>, 9> replies{};  // by RFC 1928 §6 code
};

inline void inc(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

// {"uptime_seconds":N,"clients":{...},"auth":{...},...,"replies":{"succeeded":N,...}} and "\n".
std::string stats_json(const Counters& c, Clock::time_point start);

}  // namespace sixfour::io::socks_proxy
