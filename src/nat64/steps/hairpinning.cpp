// RFC 6146 §3.8: hairpinning. An IPv6 host may reach another IPv6 host behind the same NAT64 through
// the latter's pool4 transport address (learnt, e.g., by a DNS64 answer or a referral). The packet is
// translated 6->4 through the sender's session, and the IPv4 result — addressed to a pool4 address —
// is run right away through the IPv4 side of the state, as if it had arrived from outside, and
// translated 4->6 to the receiver. Both hosts see each other as prefix + pool4 address (§3.8: "the
// source IPv6 address is the NAT64's IPv4 transport address embedded in the prefix"), and ICMP errors
// about hairpinned packets take the same two passes back.
#include <algorithm>

#include "nat64/translator_impl.hpp"

namespace sixfour::nat64 {

void TranslatorImpl::hairpin(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out) {
  if (out.outcome != xlat::Outcome::Forward || out.count != 1 || out.lens[0] < 20) return;
  Ipv4Addr dst{{out.data[16], out.data[17], out.data[18], out.data[19]}};
  if (!state_.pool4().contains(dst) || out.lens[0] > scratch_.size()) return;
  // A payload left in the input (Output::payload_in_place) joins its headers first: the second pass
  // reads the IPv4 packet whole.
  if (!out.materialize(pkt)) return drop(xlat::DropReason::Malformed, out);
  const std::span<const uint8_t> v4 = out.data.first(out.lens[0]);
  // `out` is about to be overwritten: the IPv4 packet is copied aside first.
  std::copy(v4.begin(), v4.end(), scratch_.begin());
  out.count = 0;
  out.payload_in_place = false;  // the second pass reads scratch_, not the caller's input
  hairpin_pass_ = true;          // translate4 then uses hairpin_xlat_
  from_v4(std::span<const uint8_t>(scratch_.data(), v4.size()), now, out);
  hairpin_pass_ = false;
  if (out.outcome == xlat::Outcome::Forward) {
    ++c_.hairpinned;
  } else if (out.outcome == xlat::Outcome::Reply && !xlat::admit_error(icmp_limit_, now, out)) {
    ++c_.icmp_errors_limited;
  } else if (out.outcome == xlat::Outcome::Reply) {
    // An ICMPv4 error about the intermediate IPv4 packet (e.g. its TTL ran out): it is addressed to
    // the sender's pool4 address, so it goes out on the IPv4 side and routes back in from there.
    ++c_.icmp_errors_sent;
    out.outcome = xlat::Outcome::Forward;
  }
}

}  // namespace sixfour::nat64
