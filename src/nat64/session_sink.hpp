// Where the NAT64 publishes the sessions a fast path may translate without it (docs/fast-path.md,
// "Stateful"): the eBPF program's hash maps (io/fastpath/nat64_fast_path.hpp), or a test's fake.
// The State is the only writer: it publishes a session once the daemon has translated
// kPublishAfter of its packets while it was of a kind the fast path may serve (UDP, ICMP queries,
// TCP in ESTABLISHED), withdraws it when it leaves that state or goes (before its pool4 port can
// be reused), and asks how long the fast path has left it idle before expiring it. Called with a table shard locked:
// implementations must be thread-safe, and only these calls cost anything (nothing per packet).
//
// A fast path that also translates the SYN, FIN and RST segments of a published TCP session
// (reports_tcp()) reports each one; the State applies them to its RFC 6146 state machine
// (State::apply_reported) and stays its only writer. It then publishes a TCP session from the SYN
// that creates it (while room_for_early()) until both FINs or a RST, so a short connection's
// packets after its first one stay in the kernel.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>

#include "addr/ip.hpp"
#include "nat64/tcp_state.hpp"

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

// A segment with SYN, FIN or RST the fast path translated itself, of the TCP session of the inside
// host's `addr6`#`port6` with the peer `remote4`#`rport`.
struct ReportedSegment {
  Ipv6Addr addr6;
  uint16_t port6 = 0;
  Ipv4Addr remote4;
  uint16_t rport = 0;
  TcpSegment seg{};
};

class SessionSink {
 public:
  virtual ~SessionSink() = default;
  virtual void publish(const FastSession& s) = 0;
  virtual void withdraw(const FastSession& s) = 0;
  // How long ago the fast path last translated a packet of `s`, either direction; nullopt if never
  // (or `s` is not published).
  virtual std::optional<uint64_t> idle_ms(const FastSession& s) = 0;

  // Whether the fast path translates and reports the SYN, FIN and RST segments of published TCP
  // sessions (read once, by State::set_session_sink).
  virtual bool reports_tcp() const { return false; }
  // Whether a TCP session may be published at its SYN: false once the maps are half full, so that a
  // SYN scan (sessions that never carry data) cannot crowd out the flows that do; such a session is
  // then published after kPublishAfter packets, as without reports.
  virtual bool room_for_early() const { return true; }
  // Hands the segments reported since the last call to `f`, oldest first (one caller at a time).
  virtual void drain(const std::function<void(const ReportedSegment&)>& f) { (void)f; }
};

}  // namespace sixfour::nat64
