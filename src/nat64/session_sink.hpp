// Where the NAT64 publishes the sessions a fast path may translate without it (docs/fast-path.md,
// "Stateful"): the eBPF program's hash maps (io/fastpath/nat64_fast_path.hpp), or a test's fake.
// The State is the only writer: it publishes a session once the daemon has translated
// kPublishAfter of its packets while it was of a kind the fast path may serve (UDP, ICMP queries,
// TCP in ESTABLISHED), withdraws it when it leaves that state or goes (before its pool4 port can
// be reused), and asks how long the fast path has left it idle before expiring it. Called with a table shard locked:
// implementations must be thread-safe, and only these three calls cost anything (nothing per packet).
#pragma once
#include <cstdint>
#include <optional>

#include "addr/ip.hpp"

namespace sixfour::nat64 {

// A flow shorter than this (a DNS query and its answer, a TCP connection that carries no data after
// its handshake) never costs the fast path's maps a write: those are syscalls, a few microseconds
// each, which would otherwise halve the new connections per second a worker sets up.
inline constexpr unsigned kPublishAfter = 4;

// One session as the fast path matches it, both directions. ICMP queries: `port6` / `port4` are the
// identifiers and `rport` is 0.
struct FastSession {
  uint8_t proto = 0;  // the IPv6 side's protocol number (6, 17, 58)
  Ipv6Addr addr6;     // the inside host
  uint16_t port6 = 0;
  Ipv6Addr remote6;  // the peer as the inside host addresses it (the prefix + remote4)
  Ipv4Addr addr4;    // the pool4 transport address
  uint16_t port4 = 0;
  Ipv4Addr remote4;  // the peer
  uint16_t rport = 0;
};

class SessionSink {
 public:
  virtual ~SessionSink() = default;
  virtual void publish(const FastSession& s) = 0;
  virtual void withdraw(const FastSession& s) = 0;
  // How long ago the fast path last translated a packet of `s`, either direction; nullopt if never
  // (or `s` is not published).
  virtual std::optional<uint64_t> idle_ms(const FastSession& s) = 0;
};

}  // namespace sixfour::nat64
