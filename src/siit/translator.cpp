#include "siit/translator.hpp"

#include <algorithm>

#include "common/bytes.hpp"
#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"

namespace sixfour::siit {

Counters& Counters::operator+=(const Counters& o) {
  for (const auto& f : kCounterFields) this->*f.field += o.*f.field;
  for (size_t i = 0; i < drops.size(); ++i) drops[i] += o.drops[i];
  return *this;
}

void account(Counters& c, const xlat::Output& out) {
  switch (out.outcome) {
    case xlat::Outcome::Forward: {
      size_t off = 0;
      for (size_t i = 0; i < out.count; ++i) {
        if (out.lens[i] > 0 && off < out.data.size()) {
          uint8_t version = out.data[off] >> 4;
          if (version == 4) ++c.out4;
          if (version == 6) ++c.out6;
        }
        off += out.lens[i];
      }
      break;
    }
    case xlat::Outcome::Reply:
      // The packet itself was not forwarded (counted under its reason); an error went back instead.
      ++c.icmp_errors_sent;
      ++c.drops[static_cast<size_t>(out.reason)];
      break;
    case xlat::Outcome::Drop:
      ++c.drops[static_cast<size_t>(out.reason)];
      break;
    case xlat::Outcome::Held:  // the stateless translator keeps nothing for later
      break;
  }
}

void Translator::translate(std::span<const uint8_t> in, xlat::Output& out) {
  out.count = 0;
  uint8_t version = in.empty() ? 0 : in[0] >> 4;

  if (version == 4) {
    ++counters_.in4;
    mapper_.set_hairpin(false);
    xlat::ipv4_to_ipv6(in, settings_.xlat, mapper_, out);
    if (!xlat::admit_error(icmp_limit_, now_ms_, out)) ++counters_.icmp_errors_limited;
    account(counters_, out);
    return;
  }

  if (version != 6) {
    out.outcome = xlat::Outcome::Drop;
    out.reason = xlat::DropReason::Malformed;
    ++counters_.drops[static_cast<size_t>(out.reason)];
    return;
  }

  ++counters_.in6;
  mapper_.set_hairpin(false);
  xlat::ipv6_to_ipv4(in, settings_.xlat, mapper_, out);

  // RFC 7757 §4: an IPv6 node may address another IPv6 node by the IPv4 address of the latter's
  // EAM (e.g. learnt from DNS), i.e. through pool6. Sent out on the IPv4 side it would only come
  // straight back, so it is translated back to IPv6 here. A destination that is itself the IPv6 side
  // of an EAM is not hairpinning: its IPv4 address is where the packet is meant to go (a CLAT's own
  // 192.0.0.1 mapped to its IPv6 address, RFC 6877, receives its replies that way).
  if (out.outcome == xlat::Outcome::Forward && out.count == 1 && out.lens[0] >= 20 && !settings_.eam.empty() &&
      in.size() >= 40) {
    Ipv4Addr dst{{out.data[16], out.data[17], out.data[18], out.data[19]}};
    Ipv6Addr dst6;
    std::copy(in.begin() + 24, in.begin() + 40, dst6.b.begin());
    if (settings_.eam.to_v6(dst) && !settings_.eam.to_v4(dst6) && out.lens[0] <= scratch_.size() &&
        out.materialize(in)) {  // a payload left in the input joins its headers: read whole below
      std::span<const uint8_t> v4 = out.data.first(out.lens[0]);
      std::copy(v4.begin(), v4.end(), scratch_.begin());
      std::span<const uint8_t> again(scratch_.data(), v4.size());
      out.count = 0;
      mapper_.set_hairpin(true);
      const bool in_place = out.payload_in_place;
      out.payload_in_place = false;  // this pass reads scratch_, not the caller's input
      xlat::ipv4_to_ipv6(again, hairpin_xlat_, mapper_, out);
      out.payload_in_place = in_place;
      mapper_.set_hairpin(false);
      if (out.outcome == xlat::Outcome::Forward) ++counters_.hairpinned;
      if (!xlat::admit_error(icmp_limit_, now_ms_, out)) ++counters_.icmp_errors_limited;
      if (out.outcome == xlat::Outcome::Reply) {
        // An ICMPv4 error about the intermediate IPv4 packet (e.g. its TTL ran out): it is addressed
        // to the sender's EAM IPv4 address, so it is sent on the IPv4 side, from where it routes
        // back into the translator like any IPv4 packet for that address.
        ++counters_.icmp_errors_sent;
        ++counters_.drops[static_cast<size_t>(out.reason)];
        out.outcome = xlat::Outcome::Forward;
        ++counters_.out4;
        return;
      }
    }
  }
  if (!xlat::admit_error(icmp_limit_, now_ms_, out)) ++counters_.icmp_errors_limited;
  account(counters_, out);
}

}  // namespace sixfour::siit
