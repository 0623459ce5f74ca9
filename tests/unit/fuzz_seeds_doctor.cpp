// Seeds of fuzz/doctor_fuzz.cpp: a byte choosing the parser, then its input: router advertisements
// with PREF64 options (RFC 8781 §4) next to other options, a bare option list, the AAAA records of
// ipv4only.arpa (RFC 7050: one prefix, two WKAs, an ambiguous one, one without a WKA), and the
// CLAT's own neighbour solicitation (its DAD probe) and the advertisement that answers it.
#include <algorithm>

#include "addr/rfc6052.hpp"
#include "addr/rfc7050.hpp"
#include "clat/neighbor_discovery.hpp"
#include "fuzz_seeds.hpp"

using namespace sixfour;
using fuzzseeds::Bytes;

namespace {

// The parts one after the other (one allocation: insert after a braced list trips GCC 12's
// -Warray-bounds).
Bytes join(std::initializer_list<Bytes> parts) {
  size_t n = 0;
  for (const Bytes& p : parts) n += p.size();
  Bytes b(n);
  auto at = b.begin();
  for (const Bytes& p : parts) at = std::copy(p.begin(), p.end(), at);
  return b;
}

// RFC 8781 §4: Type 38, Length 2, Scaled Lifetime (13 bits) | PLC (3 bits), the highest 96 bits.
Bytes pref64(const char* prefix, uint16_t seconds) {
  const Ipv6Prefix p = Ipv6Prefix::parse(prefix).value();
  static constexpr uint8_t kLen[] = {96, 64, 56, 48, 40, 32};
  uint8_t plc = 0;
  while (kLen[plc] != p.len) ++plc;
  const uint16_t word = static_cast<uint16_t>((seconds / 8) << 3 | plc);
  return join({Bytes{38, 2, static_cast<uint8_t>(word >> 8), static_cast<uint8_t>(word)},
               Bytes(p.addr.b.begin(), p.addr.b.begin() + 12)});
}

// RFC 4861 §4.2: type 134, code 0, checksum, hop limit 64, flags, router lifetime 1800 s,
// reachable time and retrans timer 0; then a source link-layer address option and `options`.
Bytes router_advertisement(const Bytes& options) {
  return join(
      {Bytes{134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x02, 0, 0x5e, 0, 0x53, 0x01}, options});
}

Bytes aaaa(std::initializer_list<Ipv6Addr> records) {
  Bytes b;
  for (const Ipv6Addr& a : records) b.insert(b.end(), a.b.begin(), a.b.end());
  return b;
}

Ipv6Addr embed(const char* prefix, Ipv4Addr v4) { return rfc6052::embed(Ipv6Prefix::parse(prefix).value(), v4); }

}  // namespace

SIXFOUR_FUZZ_SEEDS(doctor) {
  fuzzseeds::Seeds s;
  const Bytes two = join({pref64("64:ff9b::/96", 600), pref64("2001:db8:122:300::/56", 65528)});
  s.emplace_back("ra-pref64", fuzzseeds::with({0}, router_advertisement(pref64("64:ff9b::/96", 1800))));
  s.emplace_back("ra-two-pref64", fuzzseeds::with({0}, router_advertisement(two)));
  s.emplace_back("options", fuzzseeds::with({1}, pref64("2001:db8::/32", 0)));
  s.emplace_back(
      "rfc7050-one",
      fuzzseeds::with({2}, aaaa({embed("64:ff9b::/96", rfc7050::kWka170), embed("64:ff9b::/96", rfc7050::kWka171)})));
  s.emplace_back("rfc7050-48", fuzzseeds::with({2}, aaaa({embed("2001:db8:64::/48", rfc7050::kWka170)})));
  // 192.0.0.170 twice: at /96 and, by chance of the prefix bits, at another position too.
  s.emplace_back("rfc7050-ambiguous", fuzzseeds::with({2}, aaaa({embed("2001:db8:c000:aa::/96", rfc7050::kWka170),
                                                                 Ipv6Addr::parse("2001:db8::1").value()})));
  const Ipv6Addr ours = Ipv6Addr::parse("2001:db8:1::c1a7").value();
  Bytes ns(clat::kDadSolicitationSize);
  clat::build_dad_solicitation(ours, ns);
  s.emplace_back("nd-dad", fuzzseeds::with({3}, ns));
  Bytes na(clat::kNeighborAdvertisementSize);
  clat::build_unsolicited_advertisement(ours, {0x02, 0, 0x5e, 0, 0x53, 0x02}, na);
  s.emplace_back("nd-advertisement", fuzzseeds::with({3}, na));
  return s;
}
