#include "doctor/prefix_discovery.hpp"

#include <algorithm>

#include "addr/rfc6052.hpp"

namespace sixfour::doctor {

namespace {

Ipv6Prefix masked(const Ipv6Addr& a, uint8_t len) {
  Ipv6Prefix p{a, len};
  for (int bit = len; bit < 128; ++bit) p.addr.b[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return p;
}

bool other_wka_at(std::span<const Rfc7050Answer> answers, size_t self, const WkaMatch& m) {
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i == self) continue;
    for (const WkaMatch& o : answers[i].matches)
      if (o.prefix == m.prefix && o.wka != m.wka) return true;
  }
  return false;
}

void add_unique(std::vector<Ipv6Prefix>& v, const Ipv6Prefix& p) {
  if (std::find(v.begin(), v.end(), p) == v.end()) v.push_back(p);
}

}  // namespace

std::vector<WkaMatch> wka_positions(const Ipv6Addr& a) {
  std::vector<WkaMatch> out;
  // Longest first: the /96 form is by far the most common, so it leads the list.
  for (uint8_t len : {96, 64, 56, 48, 40, 32}) {
    const Ipv6Prefix p = masked(a, len);
    const Ipv4Addr v4 = rfc6052::extract(p, a);
    if (v4 != kWka170 && v4 != kWka171) continue;
    // RFC 6052 §2.2: bits 64..71 (the u octet) MUST be zero in every format. The suffix only
    // SHOULD be zero, so it is not checked; that is what makes a WKA at two positions possible,
    // the ambiguity RFC 7050 §3 resolves with the other WKA.
    if (a.b[8] != 0) continue;
    out.push_back({p, v4});
  }
  return out;
}

Rfc7050Result extract_prefixes(std::span<const Ipv6Addr> aaaa) {
  Rfc7050Result r;
  for (const Ipv6Addr& a : aaaa) r.answers.push_back({a, wka_positions(a)});
  for (size_t i = 0; i < r.answers.size(); ++i) {
    const auto& ms = r.answers[i].matches;
    if (ms.empty()) continue;  // RFC 7050 §3: records without a WKA are ignored
    if (ms.size() == 1) {
      add_unique(r.prefixes, ms[0].prefix);
      continue;
    }
    // RFC 7050 §3: the WKA at more than one position; the other WKA in another record settles it.
    std::vector<Ipv6Prefix> confirmed;
    for (const WkaMatch& m : ms)
      if (other_wka_at(r.answers, i, m)) add_unique(confirmed, m.prefix);
    if (confirmed.size() == 1) {
      add_unique(r.prefixes, confirmed[0]);
      continue;
    }
    r.ambiguous = true;
    for (const WkaMatch& m : ms)
      if (confirmed.empty() || std::find(confirmed.begin(), confirmed.end(), m.prefix) != confirmed.end())
        add_unique(r.prefixes, m.prefix);
  }
  return r;
}

Pref64Parse parse_pref64(std::span<const uint8_t> o) {
  Pref64Parse r;
  if (o.size() < 2) {
    r.error = Pref64Error::truncated;
    return r;
  }
  // §4: Length is in units of 8 octets and MUST be 2; anything else is ignored.
  if (o[1] != 2) {
    r.error = Pref64Error::bad_length;
    return r;
  }
  if (o.size() < 16) {
    r.error = Pref64Error::truncated;
    return r;
  }
  const uint16_t word = static_cast<uint16_t>(o[2] << 8 | o[3]);
  const uint16_t scaled = word >> 3;  // 13 bits, units of 8 seconds
  const uint8_t plc = word & 0x7;
  // §4 table: PLC -> prefix length; 6 and 7 are invalid and the option is ignored.
  static constexpr uint8_t kLen[8] = {96, 64, 56, 48, 40, 32, 0, 0};
  if (kLen[plc] == 0) {
    r.error = Pref64Error::bad_plc;
    return r;
  }
  Ipv6Addr a;
  std::copy(o.begin() + 4, o.begin() + 16, a.b.begin());  // the highest 96 bits; the rest is zero
  r.value.prefix = masked(a, kLen[plc]);
  r.value.lifetime_s = uint32_t{scaled} * 8;
  return r;
}

std::vector<Pref64> pref64_from_options(std::span<const uint8_t> opts) {
  std::vector<Pref64> out;
  size_t off = 0;
  while (off + 2 <= opts.size()) {
    const size_t len = size_t{opts[off + 1]} * 8;
    if (len == 0) return {};  // RFC 4861 §4.6: a zero-length option invalidates the packet
    if (off + len > opts.size()) break;
    if (opts[off] == kPref64Type) {
      auto p = parse_pref64(opts.subspan(off, len));
      if (p.error == Pref64Error::ok) out.push_back(p.value);
    }
    off += len;
  }
  return out;
}

std::vector<Pref64> pref64_from_ra(std::span<const uint8_t> ra) {
  // RFC 4861 §4.2: type 134, code 0, checksum, hop limit, flags, router lifetime, reachable time,
  // retrans timer = 16 octets before the options.
  if (ra.size() < 16 || ra[0] != 134 || ra[1] != 0) return {};
  return pref64_from_options(ra.subspan(16));
}

}  // namespace sixfour::doctor
