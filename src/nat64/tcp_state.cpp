#include "nat64/tcp_state.hpp"

namespace sixfour::nat64 {

std::string_view name(TcpState s) {
  switch (s) {
    case TcpState::Closed:
      return "closed";
    case TcpState::V4Init:
      return "v4-init";
    case TcpState::V6Init:
      return "v6-init";
    case TcpState::Established:
      return "established";
    case TcpState::V4FinRcv:
      return "v4-fin-rcv";
    case TcpState::V6FinRcv:
      return "v6-fin-rcv";
    case TcpState::V4V6FinRcv:
      return "v4-fin-v6-fin-rcv";
    case TcpState::Trans:
      return "trans";
  }
  return "?";
}

TcpTransition tcp_transition(TcpState state, const TcpSegment& seg) {
  using S = TcpState;
  using L = Lifetime;
  const bool v6 = seg.from_v6, v4 = !seg.from_v6;
  switch (state) {
    case S::Closed:
      // §3.5.2.2 CLOSED: a V6 SYN moves to V6 INIT, a V4 SYN to V4 INIT, both with the transitory
      // lifetime (the V4 INIT case is the one where a BIB entry allowed the IPv4 SYN in).
      if (seg.syn) return {v6 ? S::V6Init : S::V4Init, L::Transitory};
      return {S::Closed, L::Keep};
    case S::V4Init:
      // V4 INIT: the V6 SYN completes the opening (also the simultaneous-open case).
      if (v6 && seg.syn) return {S::Established, L::Established};
      return {S::V4Init, L::Keep};
    case S::V6Init:
      // V6 INIT: a V4 SYN (the SYN+ACK, or the peer's own SYN in a simultaneous open) establishes;
      // a retransmitted V6 SYN refreshes the transitory lifetime.
      if (v4 && seg.syn) return {S::Established, L::Established};
      if (v6 && seg.syn) return {S::V6Init, L::Transitory};
      return {S::V6Init, L::Keep};
    case S::Established:
      // ESTABLISHED: RST -> TRANS (short lifetime); FIN from one side -> that side's FIN RCV; any
      // other packet refreshes TCP_EST.
      if (seg.rst) return {S::Trans, L::Transitory};
      if (seg.fin) return {v4 ? S::V4FinRcv : S::V6FinRcv, L::Established};
      return {S::Established, L::Established};
    case S::V4FinRcv:
      if (v6 && seg.fin) return {S::V4V6FinRcv, L::Transitory};
      return {S::V4FinRcv, L::Established};
    case S::V6FinRcv:
      if (v4 && seg.fin) return {S::V4V6FinRcv, L::Transitory};
      return {S::V6FinRcv, L::Established};
    case S::V4V6FinRcv:
      // Both FINs seen: packets (the last ACKs) pass, the lifetime is not extended.
      return {S::V4V6FinRcv, L::Keep};
    case S::Trans:
      // TRANS: any packet other than a RST shows the connection is alive -> ESTABLISHED.
      if (!seg.rst) return {S::Established, L::Established};
      return {S::Trans, L::Keep};
  }
  return {state, L::Keep};
}

}  // namespace sixfour::nat64
