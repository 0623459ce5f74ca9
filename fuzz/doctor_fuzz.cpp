// The wire parsers `sixfour doctor` (and the CLAT) read NAT64 prefixes and neighbours with:
// RFC 8781 PREF64 options in router advertisements (src/doctor/prefix_discovery.hpp), RFC 7050
// prefixes in the AAAA records of ipv4only.arpa (src/addr/rfc7050.hpp), and RFC 4861 neighbour
// solicitations/advertisements (src/clat/neighbor_discovery.hpp).
//
// Input: a byte choosing the parser (low 2 bits), then its bytes: 0 a router advertisement (the
// ICMPv6 message), 1 a bare ND option list, 2 AAAA records (16 octets each), 3 an IPv6 packet
// carrying an NS or NA. Oracles: every PREF64 found has a length of RFC 8781's table, no bits
// beyond it and a lifetime in 8 s units, and written back as an option parses to itself; an RA
// gives what its options give; every RFC 7050 match embeds the WKA at that prefix with the u octet
// zero, and every prefix reported comes from a match; an NS for an address, answered, parses as
// the advertisement of that address.
#include <algorithm>

#include "addr/rfc6052.hpp"
#include "addr/rfc7050.hpp"
#include "clat/neighbor_discovery.hpp"
#include "doctor/prefix_discovery.hpp"
#include "fuzz_target.hpp"

using namespace sixfour;

namespace {

void check_pref64(const doctor::Pref64& p) {
  static constexpr uint8_t kPlc[] = {96, 64, 56, 48, 40, 32};
  const auto plc = std::find(std::begin(kPlc), std::end(kPlc), p.prefix.len);
  SIXFOUR_FUZZ_CHECK(plc != std::end(kPlc));
  SIXFOUR_FUZZ_CHECK(rfc7050::masked(p.prefix.addr, p.prefix.len) == p.prefix);
  SIXFOUR_FUZZ_CHECK(p.lifetime_s % 8 == 0 && p.lifetime_s <= 8191 * 8);
  // RFC 8781 §4: Type, Length 2, Scaled Lifetime (13 bits) and PLC (3 bits), the highest 96 bits.
  const uint16_t word = static_cast<uint16_t>((p.lifetime_s / 8) << 3 | (plc - std::begin(kPlc)));
  std::array<uint8_t, 16> o{doctor::kPref64Type, 2, static_cast<uint8_t>(word >> 8), static_cast<uint8_t>(word)};
  std::copy_n(p.prefix.addr.b.begin(), 12, o.begin() + 4);
  const doctor::Pref64Parse back = doctor::parse_pref64(o);
  SIXFOUR_FUZZ_CHECK(back.error == doctor::Pref64Error::ok && back.value == p);
}

void router_advertisement(std::span<const uint8_t> ra) {
  const std::vector<doctor::Pref64> found = doctor::pref64_from_ra(ra);
  for (const auto& p : found) check_pref64(p);
  if (ra.size() >= 16 && ra[0] == 134 && ra[1] == 0)
    SIXFOUR_FUZZ_CHECK(found == doctor::pref64_from_options(ra.subspan(16)));
  else
    SIXFOUR_FUZZ_CHECK(found.empty());
}

void options(std::span<const uint8_t> opts) {
  const std::vector<doctor::Pref64> found = doctor::pref64_from_options(opts);
  for (const auto& p : found) check_pref64(p);
  const doctor::Pref64Parse one = doctor::parse_pref64(opts);
  if (one.error == doctor::Pref64Error::ok) check_pref64(one.value);
}

void rfc7050_answers(std::span<const uint8_t> in) {
  std::vector<Ipv6Addr> aaaa(in.size() / 16);
  for (size_t i = 0; i < aaaa.size(); ++i) std::copy_n(in.begin() + 16 * i, 16, aaaa[i].b.begin());
  const rfc7050::Result r = rfc7050::extract_prefixes(aaaa);
  SIXFOUR_FUZZ_CHECK(r.answers.size() == aaaa.size());
  for (size_t i = 0; i < r.answers.size(); ++i) {
    const rfc7050::Answer& a = r.answers[i];
    SIXFOUR_FUZZ_CHECK(a.address == aaaa[i]);
    SIXFOUR_FUZZ_CHECK(a.matches == rfc7050::wka_positions(a.address));
    for (const rfc7050::WkaMatch& m : a.matches) {
      SIXFOUR_FUZZ_CHECK(m.wka == rfc7050::kWka170 || m.wka == rfc7050::kWka171);
      SIXFOUR_FUZZ_CHECK(m.prefix.contains(a.address) && rfc7050::masked(a.address, m.prefix.len) == m.prefix);
      SIXFOUR_FUZZ_CHECK(rfc6052::extract(m.prefix, a.address) == m.wka && a.address.b[8] == 0);
    }
  }
  for (size_t i = 0; i < r.prefixes.size(); ++i) {
    const Ipv6Prefix& p = r.prefixes[i];
    SIXFOUR_FUZZ_CHECK(std::count(r.prefixes.begin(), r.prefixes.end(), p) == 1);
    SIXFOUR_FUZZ_CHECK(std::any_of(r.answers.begin(), r.answers.end(), [&](const rfc7050::Answer& a) {
      return std::any_of(a.matches.begin(), a.matches.end(), [&](const rfc7050::WkaMatch& m) { return m.prefix == p; });
    }));
  }
  const auto first = rfc7050::first_prefix(r);
  SIXFOUR_FUZZ_CHECK(first.has_value() == !r.prefixes.empty());
  if (first) SIXFOUR_FUZZ_CHECK(*first == r.prefixes.front());
}

void neighbor_discovery(std::span<const uint8_t> packet) {
  const auto m = clat::parse_nd(packet);
  if (!m || m->type != clat::NdMessage::NeighborSolicitation) return;
  const clat::Mac mac{0x02, 0, 0x5e, 0, 0x53, 0x64};
  std::array<uint8_t, 256> out{};
  const auto n = clat::answer_solicitation(*m, m->target, mac, out);
  SIXFOUR_FUZZ_CHECK(n.has_value() && *n <= out.size());
  const auto na = clat::parse_nd(std::span<const uint8_t>(out.data(), *n));
  SIXFOUR_FUZZ_CHECK(na.has_value() && na->type == clat::NdMessage::NeighborAdvertisement);
  SIXFOUR_FUZZ_CHECK(na->target == m->target && na->src == m->target && na->lla == mac);
  SIXFOUR_FUZZ_CHECK(na->override_ && !na->router);
  const bool from_unspecified = m->src == Ipv6Addr{};
  SIXFOUR_FUZZ_CHECK(na->solicited == !from_unspecified);
  SIXFOUR_FUZZ_CHECK(na->dst == (from_unspecified ? clat::kAllNodes : m->src));
  SIXFOUR_FUZZ_CHECK(clat::dad_conflict(*na, m->target));
}

}  // namespace

SIXFOUR_FUZZ_TARGET(doctor) {
  if (input.empty()) return;
  const std::span<const uint8_t> rest = input.subspan(1);
  switch (input[0] & 3) {
    case 0:
      return router_advertisement(rest);
    case 1:
      return options(rest);
    case 2:
      return rfc7050_answers(rest);
    default:
      return neighbor_discovery(rest);
  }
}
