#include "nat64/translator_impl.hpp"

#include <algorithm>

#include "addr/rfc6052.hpp"
#include "common/bytes.hpp"
#include "xlat/icmpv4_errors.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::nat64 {

std::string_view name(Nat64Drop d) {
  switch (d) {
    case Nat64Drop::NoBib:
      return "no-bib";
    case Nat64Drop::NoSession:
      return "no-session";
    case Nat64Drop::Filtered:
      return "filtered";
    case Nat64Drop::Pool4Exhausted:
      return "pool4-exhausted";
    case Nat64Drop::SessionLimit:
      return "session-limit";
    case Nat64Drop::TcpSynDropped:
      return "tcp-syn-dropped";
    case Nat64Drop::TcpSynUnsolicited:
      return "tcp-syn-unsolicited";
    case Nat64Drop::NotPool4:
      return "not-pool4";
    case Nat64Drop::FragmentBudget:
      return "fragment-budget";
    case Nat64Drop::FragmentOverlap:
      return "fragment-overlap";
    case Nat64Drop::Count_:
      break;
  }
  return "?";
}

namespace {

// The `n`-byte ICMP error just built at the start of out.data goes back (nothing when n is 0).
void send_back(size_t n, xlat::Output& out) {
  if (n == 0) return;
  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(n);
  out.outcome = xlat::Outcome::Reply;
}

}  // namespace

std::unique_ptr<State> State::create(const Settings& settings) { return std::make_unique<StateImpl>(settings); }

std::unique_ptr<Translator> Translator::create(const Settings& settings, State& state) {
  return std::make_unique<TranslatorImpl>(settings, static_cast<StateImpl&>(state));
}

TranslatorImpl::TranslatorImpl(const Settings& /*s*/, StateImpl& state)
    : settings_(state.settings()),
      hairpin_xlat_(xlat::hairpin_pass(state.settings().xlat)),
      state_(state) {  // the State's copy: no lifetime tie to the caller's
  mapper_.settings = &state_.settings();
  mapper_.pool = &state_.pool4();
}

void TranslatorImpl::drop(Nat64Drop d, xlat::Output& out) {
  ++c_.nat64_drops[static_cast<size_t>(d)];
  out.drop(xlat::DropReason::Prohibited);
}

void TranslatorImpl::drop(xlat::DropReason r, xlat::Output& out) {
  ++c_.drops[static_cast<size_t>(r)];
  out.drop(r);
}

void TranslatorImpl::hold(xlat::Output& out) {
  ++c_.held;
  out.count = 0;
  out.outcome = xlat::Outcome::Held;
}

// What a refused packet gets back (RFC 6146 §3.5). Pool4 exhaustion / session limit (§3.5.1.1 and
// §3.5.2.2, from the IPv6 side): ICMPv6 Destination Unreachable, code 3 (address unreachable). No BIB
// entry for a UDP packet from the IPv4 side: ICMPv4 Port Unreachable, as a host without the port
// would answer. Address-dependent filtering (§3.5.1): ICMPv4 Destination Unreachable, code 13
// (communication administratively prohibited). Everything else is dropped silently.
void TranslatorImpl::refuse(Verdict v, const Tuple& t, std::span<const uint8_t> pkt, xlat::Output& out) {
  Nat64Drop d = Nat64Drop::NoSession;
  int type4 = -1, code4 = 0, code6 = -1;
  switch (v) {
    case Verdict::Ok:
      return;
    case Verdict::NoBib:
      d = Nat64Drop::NoBib;
      if (t.proto == Proto::Udp && !t.icmp_error) type4 = 3, code4 = 3;
      break;
    case Verdict::NoSession:
      d = Nat64Drop::NoSession;
      break;
    case Verdict::Filtered:
      d = Nat64Drop::Filtered;
      type4 = 3, code4 = 13;
      break;
    case Verdict::Exhausted:
      d = Nat64Drop::Pool4Exhausted;
      code6 = 3;
      break;
    case Verdict::SessionLimit:
      d = Nat64Drop::SessionLimit;
      code6 = t.from_v6 ? 3 : -1;
      break;
    case Verdict::SynDropped:
      d = Nat64Drop::TcpSynDropped;
      break;
    case Verdict::SynUnsolicited:
      d = Nat64Drop::TcpSynUnsolicited;
      break;
  }
  drop(d, out);
  if (!settings_.xlat.send_icmp_errors) return;
  size_t n = 0;
  if (t.from_v6 && code6 >= 0) {
    n = xlat::build_icmpv6_error(pkt, xlat::icmp6::kDestUnreach, static_cast<uint8_t>(code6), 0, settings_.xlat.self6,
                                 out.data);
    if (n) xlat::restore_quoted_hop_limit(out.data.first(n), settings_.xlat.hop_change);
  } else if (!t.from_v6 && type4 >= 0) {
    // The error comes from the address the packet was sent to: the pool4 address itself.
    n = xlat::icmpv4::build_error(pkt, static_cast<uint8_t>(type4), static_cast<uint8_t>(code4), 0, t.addr4, out.data);
    if (n) xlat::icmpv4::restore_quoted_ttl(out.data.first(n), settings_.xlat.hop_change);
  }
  send_back(n, out);
}

// RFC 6146 §3.1 translates TCP, UDP and ICMP only. Another protocol is refused the way the host it
// was sent to would refuse it: ICMPv6 Parameter Problem, code 1 (unrecognized Next Header) pointing
// at the Next Header octet that names it (RFC 4443 §3.4), from self6; ICMPv4 Destination
// Unreachable, code 2 (protocol unreachable, RFC 1122 §3.2.2.1), from the pool4 address it was
// sent to. A packet not for the prefix / a pool4 address is refused as any other such packet.
void TranslatorImpl::unsupported(std::span<const uint8_t> pkt, bool v6, xlat::Output& out) {
  const xlat::Config& x = settings_.xlat;
  size_t n = 0;
  if (v6) {
    Ipv6Addr dst;
    std::copy_n(pkt.data() + 24, 16, dst.b.begin());
    if (!settings_.prefix.contains(dst)) {  // not for the NAT64 either: xlat answers "no route"
      mapper_.status = xlat::MapStatus::DstUntranslatable;
      return translate6(pkt, out);
    }
    drop(xlat::DropReason::UnsupportedProtocol, out);
    const std::span<const uint8_t> p = pkt.first(std::min(pkt.size(), 40 + size_t{load16(pkt.data() + 4)}));
    xlat::Ipv6Chain c;
    if (!x.send_icmp_errors || xlat::walk_ipv6_chain(p, c) != xlat::ChainStatus::Ok) return;
    n = xlat::build_icmpv6_error(p, xlat::icmp6::kParamProblem, 1, static_cast<uint32_t>(c.next_header_off), x.self6,
                                 out.data);
    if (n) xlat::restore_quoted_hop_limit(out.data.first(n), x.hop_change);
  } else {
    const Ipv4Addr dst{{pkt[16], pkt[17], pkt[18], pkt[19]}};
    if (!state_.pool4().contains(dst)) return drop(Nat64Drop::NotPool4, out);
    drop(xlat::DropReason::UnsupportedProtocol, out);
    if (!x.send_icmp_errors) return;
    const std::span<const uint8_t> p = pkt.first(std::min<size_t>(pkt.size(), load16(pkt.data() + 2)));
    n = xlat::icmpv4::build_error(p, xlat::icmpv4::kDestUnreachable, xlat::icmpv4::kProtocolUnreachable, 0, dst,
                                  out.data);
    if (n) xlat::icmpv4::restore_quoted_ttl(out.data.first(n), x.hop_change);
  }
  send_back(n, out);
}

void TranslatorImpl::parse_drop(xlat::DropReason reason, std::span<const uint8_t> pkt, bool v6, xlat::Output& out) {
  if (reason == xlat::DropReason::UnsupportedProtocol) return unsupported(pkt, v6, out);
  drop(reason, out);
}

void TranslatorImpl::from_v6(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out) {
  Tuple t;
  xlat::DropReason reason = xlat::DropReason::Malformed;
  switch (determine_incoming_tuple6(pkt, t, reason, settings_.xlat.hop_change)) {
    case Parse::Tuple:
      break;
    case Parse::Xlat:
      // xlat drops or answers it before asking for addresses; refuse if it ever asks.
      mapper_.status = xlat::MapStatus::SrcUntranslatable;
      return translate6(pkt, out);
    case Parse::Fragment: {
      size_t len = 0;
      if (reassemble(pkt, true, now, out, len)) {
        out.payload_in_place = false;  // the datagram is in reasm_, not in the caller's input
        return from_v6({reasm_.data(), len}, now, out);
      }
      return;
    }
    case Parse::Drop:
      return parse_drop(reason, pkt, true, out);
  }
  const Ipv6Prefix& prefix = settings_.prefix;
  // §3.5 / RFC 6052: the destination must be an IPv4-embedded address of the NAT64 prefix, and (§3.1)
  // with the well-known prefix not embed a non-global IPv4 address.
  if (!prefix.contains(t.remote6) || !embeddable(settings_, state_.pool4(), rfc6052::extract(prefix, t.remote6))) {
    mapper_.status = xlat::MapStatus::DstUntranslatable;
    return translate6(pkt, out);
  }
  t.remote4 = rfc6052::extract(prefix, t.remote6);
  Binding b;
  const Verdict v = state_.from_v6(t.proto, t.addr6, t.port6, t.remote4, t.rport, &t.tcp, !t.icmp_error, now, b);
  if (v != Verdict::Ok) return refuse(v, t, pkt, out);
  compute_outgoing_tuple(t, b, mapper_);
  translate6(pkt, out);
  hairpin(pkt, now, out);
}

void TranslatorImpl::from_v4(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out) {
  Tuple t;
  xlat::DropReason reason = xlat::DropReason::Malformed;
  switch (determine_incoming_tuple4(pkt, t, reason, (hairpin_pass_ ? hairpin_xlat_ : settings_.xlat).hop_change)) {
    case Parse::Tuple:
      break;
    case Parse::Xlat:
      mapper_.status = xlat::MapStatus::SrcUntranslatable;
      return translate4(pkt, out);
    case Parse::Fragment: {
      size_t len = 0;
      if (reassemble(pkt, false, now, out, len)) {
        out.payload_in_place = false;
        return from_v4({reasm_.data(), len}, now, out);
      }
      return;
    }
    case Parse::Drop:
      return parse_drop(reason, pkt, false, out);
  }
  if (!state_.pool4().contains(t.addr4)) return drop(Nat64Drop::NotPool4, out);
  // RFC 6052 §3.1: the peer is about to be embedded in the prefix.
  if (!embeddable(settings_, state_.pool4(), t.remote4)) {
    mapper_.status = xlat::MapStatus::SrcUntranslatable;
    return translate4(pkt, out);
  }
  Binding b;
  const Verdict v = state_.from_v4(t.proto, t.addr4, t.port4, t.remote4, t.rport, &t.tcp, !t.icmp_error, now, b);
  if (v == Verdict::SynUnsolicited && state_.incoming_syns().hold(pkt, t.addr4, t.port4, t.remote4, t.rport, now)) {
    // §3.5.2.2: kept for TCP_INCOMING_SYN seconds; nothing to send now, and not a drop (yet).
    return hold(out);
  }
  if (v != Verdict::Ok) return refuse(v, t, pkt, out);
  compute_outgoing_tuple(t, b, mapper_);
  translate4(pkt, out);
}

bool TranslatorImpl::reassemble(std::span<const uint8_t> pkt, bool v6, uint64_t now, xlat::Output& out, size_t& len) {
  Reassembler& r = state_.reassembler();
  const std::span<uint8_t> buf(reasm_.data(), reasm_.size());
  switch (v6 ? r.add6(pkt, now, buf, len) : r.add4(pkt, now, buf, len)) {
    case Reassembler::Status::Complete:
      ++c_.reassembled;
      return true;
    case Reassembler::Status::Held:
      // Kept for later: nothing to send, and not a drop.
      ++c_.fragments_held;
      hold(out);
      return false;
    case Reassembler::Status::Malformed:
      drop(xlat::DropReason::Malformed, out);
      return false;
    case Reassembler::Status::Overlap:
      drop(Nat64Drop::FragmentOverlap, out);
      return false;
    case Reassembler::Status::Budget:
      drop(Nat64Drop::FragmentBudget, out);
      return false;
  }
  return false;
}

void TranslatorImpl::account(xlat::Output& out) {
  if (!xlat::admit_error(icmp_limit_, now_ms_, out)) {
    ++c_.icmp_errors_limited;
    return;  // counted under its reason already
  }
  if (out.outcome == xlat::Outcome::Reply) {
    ++c_.icmp_errors_sent;
    return;
  }
  if (out.outcome != xlat::Outcome::Forward) return;
  size_t off = 0;
  for (size_t i = 0; i < out.count; ++i) {
    if (out.lens[i] > 0 && off < out.data.size()) {
      const uint8_t version = out.data[off] >> 4;
      if (version == 4) ++c_.out4;
      if (version == 6) ++c_.out6;
    }
    off += out.lens[i];
  }
}

void TranslatorImpl::translate(std::span<const uint8_t> in, uint64_t now_ms, xlat::Output& out) {
  out.count = 0;
  now_ms_ = now_ms;
  const uint8_t version = in.empty() ? 0 : in[0] >> 4;
  if (version == 6) {
    ++c_.in6;
    from_v6(in, now_ms, out);
  } else if (version == 4) {
    ++c_.in4;
    from_v4(in, now_ms, out);
  } else {
    return drop(xlat::DropReason::Malformed, out);
  }
  account(out);
}

void TranslatorImpl::visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const {
  f("in4", c_.in4);
  f("in6", c_.in6);
  f("out4", c_.out4);
  f("out6", c_.out6);
  f("icmp-errors-sent", c_.icmp_errors_sent);
  f("icmp-errors-limited", c_.icmp_errors_limited);
  f("hairpinned", c_.hairpinned);
  f("held", c_.held);
  f("fragments-held", c_.fragments_held);
  f("reassembled", c_.reassembled);
  std::string key;
  for (size_t i = 0; i < c_.drops.size(); ++i) {
    key = "drops.";
    key += xlat::name(static_cast<xlat::DropReason>(i));
    f(key, c_.drops[i]);
  }
  for (size_t i = 0; i < c_.nat64_drops.size(); ++i) {
    key = "drops.";
    key += name(static_cast<Nat64Drop>(i));
    f(key, c_.nat64_drops[i]);
  }
}

}  // namespace sixfour::nat64
