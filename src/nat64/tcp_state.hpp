// RFC 6146 §3.5.2: the TCP session state machine of the NAT64 (Figure 2 of §3.5.2.1) and the lifetime
// each transition sets. Pure: the table applies the result.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "addr/ip.hpp"

namespace sixfour::nat64 {

enum class TcpState : uint8_t {
  Closed,
  V4Init,  // an IPv4 SYN opened it; waiting for the IPv6 SYN
  V6Init,  // an IPv6 SYN opened it; waiting for the IPv4 SYN
  Established,
  V4FinRcv,
  V6FinRcv,
  V4V6FinRcv,
  Trans,  // after a RST (or, elsewhere, a probe): kept for TCP_TRANS in case the RST was spoofed
};
std::string_view name(TcpState s);  // "closed", "v4-init", "v6-init", "established", "v4-fin-rcv", ...

// Which timeout a session runs on.
enum class Lifetime : uint8_t {
  Keep,         // lifetime unchanged
  Established,  // TCP_EST (Timeouts::tcp_established)
  Transitory,   // TCP_TRANS (Timeouts::tcp_transitory)
};

struct TcpSegment {
  bool from_v6;
  bool syn, fin, rst;
};

struct TcpTransition {
  TcpState next;
  Lifetime lifetime;
};

// The transition of an existing session (state != Closed) on `seg`. Sessions in CLOSED do not exist
// in the table: creating one is the caller's decision (§3.5.2.2: only a SYN creates a session), after
// which it calls this with TcpState::Closed and the SYN to learn the initial state.
TcpTransition tcp_transition(TcpState state, const TcpSegment& seg);

// §3.5.2.2 ESTABLISHED, "if the lifetime expires": the probe the NAT64 sends to an endpoint before
// moving the session to TRANS — a TCP segment of the connection without data, sequence and
// acknowledgment numbers zero, only the ACK flag set. A live endpoint answers it (an ACK, which
// brings the session back to ESTABLISHED), a dead one with a RST or not at all. Built here for the
// IPv4 endpoint: an IPv4 packet from the pool4 transport address `src`#`sport` to the peer
// `dst`#`dport` (TTL 64, DF, header and TCP checksums filled in).
inline constexpr size_t kTcpProbeSize = 40;
void tcp_probe4(Ipv4Addr src, uint16_t sport, Ipv4Addr dst, uint16_t dport, std::span<uint8_t, kTcpProbeSize> out);

}  // namespace sixfour::nat64
