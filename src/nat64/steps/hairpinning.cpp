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

void TranslatorImpl::hairpin(uint64_t now, xlat::Output& out) {
  if (out.outcome != xlat::Outcome::Forward || out.count != 1 || out.lens[0] < 20) return;
  const std::span<const uint8_t> v4 = out.data.first(out.lens[0]);
  Ipv4Addr dst{{v4[16], v4[17], v4[18], v4[19]}};
  if (!state_.pool4().contains(dst) || v4.size() > scratch_.size()) return;
  // `out` is about to be overwritten: the IPv4 packet is copied aside first.
  std::copy(v4.begin(), v4.end(), scratch_.begin());
  out.count = 0;
  from_v4(std::span<const uint8_t>(scratch_.data(), v4.size()), now, out);
  if (out.outcome == xlat::Outcome::Forward) {
    ++c_.hairpinned;
  } else if (out.outcome == xlat::Outcome::Reply) {
    // An ICMPv4 error about the intermediate IPv4 packet (e.g. its TTL ran out): it is addressed to
    // the sender's pool4 address, so it goes out on the IPv4 side and routes back in from there.
    ++c_.icmp_errors_sent;
    out.outcome = xlat::Outcome::Forward;
  }
}

}  // namespace sixfour::nat64
