// RFC 6146 §3.7: translating the packet. The IP headers, ICMP messages and the packets quoted in ICMP
// errors are translated by RFC 7915 (xlat/) with the SessionMapper holding the outgoing tuple; the
// transport checksums are updated there for the new addresses and ports.
#include "nat64/translator_impl.hpp"
#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"

namespace sixfour::nat64 {

void TranslatorImpl::translate6(std::span<const uint8_t> pkt, xlat::Output& out) {
  xlat::ipv6_to_ipv4(pkt, settings_.xlat, mapper_, out);
  if (out.outcome != xlat::Outcome::Forward) ++c_.drops[static_cast<size_t>(out.reason)];
}

void TranslatorImpl::translate4(std::span<const uint8_t> pkt, xlat::Output& out) {
  xlat::ipv4_to_ipv6(pkt, hairpin_pass_ ? hairpin_xlat_ : settings_.xlat, mapper_, out);
  if (out.outcome != xlat::Outcome::Forward) ++c_.drops[static_cast<size_t>(out.reason)];
}

}  // namespace sixfour::nat64
