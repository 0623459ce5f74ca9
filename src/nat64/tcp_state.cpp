#include "nat64/tcp_state.hpp"

#include <algorithm>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

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
      // ESTABLISHED: RST -> TRANS (short lifetime); FIN from one side -> that side's FIN RCV with
      // the lifetime unchanged (the RFC sets none for it); any other packet refreshes TCP_EST.
      if (seg.rst) return {S::Trans, L::Transitory};
      if (seg.fin) return {v4 ? S::V4FinRcv : S::V6FinRcv, L::Keep};
      return {S::Established, L::Established};
    case S::V4FinRcv:
      if (v6 && seg.fin) return {S::V4V6FinRcv, L::Transitory};
      return {S::V4FinRcv, L::Established};
    case S::V6FinRcv:
      if (v4 && seg.fin) return {S::V4V6FinRcv, L::Transitory};
      return {S::V6FinRcv, L::Established};
    case S::V4V6FinRcv:
      // Both FINs seen: packets (the last ACKs) pass, the lifetime is not extended. sixfour's
      // addition: a SYN is a new connection on the same 5-tuple (a client that went round its
      // ephemeral ports within TCP_TRANS) and starts over as from CLOSED, as Linux conntrack
      // reopens a closed connection; kept here, it would live on the old one's TCP_TRANS and lose
      // its session mid-transfer (docs/conformance/rfc6146.md).
      if (seg.syn && !seg.fin && !seg.rst) return {v6 ? S::V6Init : S::V4Init, L::Transitory};
      return {S::V4V6FinRcv, L::Keep};
    case S::Trans:
      // TRANS: any packet other than a RST shows the connection is alive -> ESTABLISHED.
      if (!seg.rst) return {S::Established, L::Established};
      return {S::Trans, L::Keep};
  }
  return {state, L::Keep};
}

void tcp_probe4(Ipv4Addr src, uint16_t sport, Ipv4Addr dst, uint16_t dport, std::span<uint8_t, kTcpProbeSize> out) {
  std::fill(out.begin(), out.end(), uint8_t{0});
  uint8_t* ip = out.data();
  ip[0] = 0x45;
  store16(ip + 2, static_cast<uint16_t>(kTcpProbeSize));
  store16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = 6;
  std::copy(src.b.begin(), src.b.end(), ip + 12);
  std::copy(dst.b.begin(), dst.b.end(), ip + 16);
  store16(ip + 10, checksum::finish(checksum::partial({ip, 20})));
  uint8_t* tcp = ip + 20;
  store16(tcp, sport);
  store16(tcp + 2, dport);
  // Sequence and acknowledgment numbers stay zero; data offset 5 words; ACK only; window 0.
  tcp[12] = 0x50;
  tcp[13] = 0x10;
  const uint32_t sum = checksum::pseudo_header4(src.b.data(), dst.b.data(), 6, 20);
  store16(tcp + 16, checksum::finish(checksum::partial({tcp, 20}, sum)));
}

}  // namespace sixfour::nat64
