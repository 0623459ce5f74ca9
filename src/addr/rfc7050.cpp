#include "addr/rfc7050.hpp"

#include <algorithm>

#include "addr/rfc6052.hpp"

namespace sixfour::rfc7050 {

namespace {

bool other_wka_at(std::span<const Answer> answers, size_t self, const WkaMatch& m) {
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

bool contains(const std::vector<Ipv6Prefix>& v, const Ipv6Prefix& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

}  // namespace

Ipv6Prefix masked(const Ipv6Addr& a, uint8_t len) {
  Ipv6Prefix p{a, len};
  for (int bit = len; bit < 128; ++bit) p.addr.b[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return p;
}

std::vector<WkaMatch> wka_positions(const Ipv6Addr& a) {
  std::vector<WkaMatch> out;
  // RFC 6052 §2.2: bits 64..71 (the u octet) MUST be zero in every format. The suffix only
  // SHOULD be zero, so it is not checked; that is what makes a WKA at two positions possible,
  // the ambiguity RFC 7050 §3 resolves with the other WKA.
  if (a.b[8] != 0) return out;
  // Longest first: the /96 form is by far the most common, so it leads the list.
  for (uint8_t len : {96, 64, 56, 48, 40, 32}) {
    const Ipv6Prefix p = masked(a, len);
    const Ipv4Addr v4 = rfc6052::extract(p, a);
    if (v4 == kWka170 || v4 == kWka171) out.push_back({p, v4});
  }
  return out;
}

Result extract_prefixes(std::span<const Ipv6Addr> aaaa) {
  Result r;
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
      if (confirmed.empty() || contains(confirmed, m.prefix)) add_unique(r.prefixes, m.prefix);
  }
  return r;
}

void add_distinct(std::vector<Ipv6Prefix>& into, std::span<const Ipv6Prefix> from) {
  for (const Ipv6Prefix& p : from) add_unique(into, p);
}

std::optional<Ipv6Prefix> first_prefix(const Result& r) {
  if (r.prefixes.empty()) return std::nullopt;
  return r.prefixes.front();
}

}  // namespace sixfour::rfc7050
