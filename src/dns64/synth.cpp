#include "dns64/synth.hpp"

#include <algorithm>
#include <cstring>

namespace sixfour::dns64 {

namespace {

constexpr Ipv6Prefix kIpv4Mapped{Ipv6Addr{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}}, 96};
constexpr uint32_t kNoSoaTtl = 600;  // RFC 6147 §5.1.7

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// Length of the uncompressed name at the start of `rdata` (names in parsed RDATA are
// decompressed by libknot), or 0 if malformed.
size_t name_len(std::span<const uint8_t> rdata) {
  size_t i = 0;
  while (i < rdata.size()) {
    if (rdata[i] == 0) return i + 1;
    if (rdata[i] > 63) return 0;
    i += 1 + rdata[i];
  }
  return 0;
}

bool is_chain_record(const Rr& r) {
  if (r.type == kTypeCNAME || r.type == kTypeDNAME) return true;
  if (r.type == kTypeRRSIG && r.rdata.size() >= 2) {
    uint16_t covered = rd16(r.rdata.data());
    return covered == kTypeCNAME || covered == kTypeDNAME;
  }
  return false;
}

}  // namespace

bool excluded(const Settings& s, const Ipv6Addr& a) {
  if (kIpv4Mapped.contains(a)) return true;
  return std::any_of(s.exclude.begin(), s.exclude.end(), [&](const Ipv6Prefix& p) { return p.contains(a); });
}

Name chain_end(const Message& m, std::span<const uint8_t> qname) {
  Name cur(qname.begin(), qname.end());
  // Bounded: a chain longer than the answer section is a loop.
  for (size_t hops = 0; hops <= m.answer.size(); ++hops) {
    auto it = std::find_if(m.answer.begin(), m.answer.end(),
                           [&](const Rr& r) { return r.type == kTypeCNAME && name_equal(r.owner, cur); });
    if (it == m.answer.end()) break;
    size_t n = name_len(it->rdata);
    if (n == 0) break;
    cur.assign(it->rdata.begin(), it->rdata.begin() + n);
  }
  return cur;
}

AaaaVerdict classify_aaaa(Message& aaaa, std::span<const uint8_t> qname, const Settings& s) {
  Name end = chain_end(aaaa, qname);
  size_t usable = 0;
  std::erase_if(aaaa.answer, [&](const Rr& r) {
    if (r.type != kTypeAAAA || !name_equal(r.owner, end)) return false;
    if (r.rdata.size() != 16) return false;
    Ipv6Addr a;
    std::memcpy(a.b.data(), r.rdata.data(), 16);
    if (excluded(s, a)) return true;  // §5.1.4: as if absent; only these are dropped
    ++usable;
    return false;
  });
  // Excluded records go whatever the RCODE: an NXDOMAIN or SERVFAIL answer may be what the client
  // gets in the end (as it is, or when there is nothing to synthesize from, §5.1.6).
  if (aaaa.rcode == kNxDomain) return AaaaVerdict::answer;
  // §5.1.2: any RCODE other than NOERROR and NXDOMAIN is treated as an empty answer.
  if (aaaa.rcode != kNoError) return AaaaVerdict::synthesize;
  return usable > 0 ? AaaaVerdict::answer : AaaaVerdict::synthesize;
}

uint32_t negative_ttl(const Message& aaaa) {
  for (const Rr& r : aaaa.authority) {
    if (r.type != kTypeSOA) continue;
    // SOA RDATA: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 §3.3.13).
    size_t m = name_len(r.rdata);
    if (m == 0) continue;
    size_t rn = name_len(std::span<const uint8_t>(r.rdata).subspan(m));
    if (rn == 0 || m + rn + 20 > r.rdata.size()) continue;
    uint32_t minimum = rd32(&r.rdata[m + rn + 16]);
    return std::min(r.ttl, minimum);  // RFC 2308 §5
  }
  return kNoSoaTtl;
}

std::optional<Message> synthesize(const Message& aaaa, const Message& a, std::span<const uint8_t> qname,
                                  const Settings& s, bool do_bit) {
  if (a.rcode != kNoError) return std::nullopt;
  Name end = chain_end(a, qname);
  uint32_t neg = negative_ttl(aaaa);
  Message out;
  out.rcode = kNoError;
  out.aa = false;
  out.ad = false;  // §5.5: synthesized records carry no valid signature
  out.ra = true;
  size_t synthesized = 0;
  for (const Rr& r : a.answer) {
    if (is_chain_record(r)) {
      if (r.type == kTypeRRSIG && !do_bit) continue;
      out.answer.push_back(r);
    } else if (r.type == kTypeA && r.rdata.size() == 4 && name_equal(r.owner, end)) {
      Ipv4Addr v4;
      std::memcpy(v4.b.data(), r.rdata.data(), 4);
      Ipv6Addr v6 = rfc6052::embed(s.prefix, v4);
      Rr rr;
      rr.owner = r.owner;
      rr.type = kTypeAAAA;
      rr.cls = r.cls;
      rr.ttl = std::min(r.ttl, neg);
      rr.rdata.assign(v6.b.begin(), v6.b.end());
      out.answer.push_back(std::move(rr));
      ++synthesized;
    }
  }
  if (synthesized == 0) return std::nullopt;
  return out;
}

std::optional<Name> ptr_target(std::span<const uint8_t> qname, const Settings& s) {
  // 32 one-nibble labels, then "ip6" "arpa" root: 32*2 + 4 + 5 + 1 = 74 octets.
  static constexpr uint8_t kSuffix[] = {3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0};
  if (qname.size() != 64 + sizeof(kSuffix)) return std::nullopt;
  if (!name_equal(qname.subspan(64), kSuffix)) return std::nullopt;
  Ipv6Addr a;
  for (int i = 0; i < 32; ++i) {
    if (qname[2 * i] != 1) return std::nullopt;
    uint8_t c = qname[2 * i + 1];
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      return std::nullopt;
    int nibble = 31 - i;  // the first label is the least significant nibble (RFC 3596 §2.5)
    a.b[nibble / 2] |= static_cast<uint8_t>(nibble % 2 ? v : v << 4);
  }
  if (!s.prefix.contains(a)) return std::nullopt;
  Ipv4Addr v4 = rfc6052::extract(s.prefix, a);
  Name out;
  for (int i = 3; i >= 0; --i) {
    std::string d = std::to_string(v4.b[i]);
    out.push_back(static_cast<uint8_t>(d.size()));
    out.insert(out.end(), d.begin(), d.end());
  }
  static constexpr uint8_t kInAddr[] = {7, 'i', 'n', '-', 'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0};
  out.insert(out.end(), std::begin(kInAddr), std::end(kInAddr));
  return out;
}

Message ptr_answer(std::span<const uint8_t> qname, std::span<const uint8_t> target, const Message& upstream) {
  Message out;
  out.rcode = upstream.rcode;
  out.ad = false;
  out.ra = true;
  Rr cname;
  cname.owner.assign(qname.begin(), qname.end());
  cname.type = kTypeCNAME;
  cname.ttl = upstream.answer.empty() ? negative_ttl(upstream) : upstream.answer.front().ttl;
  cname.rdata.assign(target.begin(), target.end());
  out.answer.push_back(std::move(cname));
  for (const Rr& r : upstream.answer) out.answer.push_back(r);
  // A negative answer keeps its SOA so that the client caches it (RFC 2308 §3).
  if (upstream.answer.empty()) out.authority = upstream.authority;
  return out;
}

bool is_ipv4only_arpa(std::span<const uint8_t> qname) {
  static constexpr uint8_t kName[] = {8, 'i', 'p', 'v', '4', 'o', 'n', 'l', 'y', 4, 'a', 'r', 'p', 'a', 0};
  return name_equal(qname, kName);
}

Message ipv4only_answer(std::span<const uint8_t> qname, uint16_t qtype, const Settings& s) {
  Message out;
  for (uint8_t last : {uint8_t{170}, uint8_t{171}}) {
    Ipv4Addr v4{{192, 0, 0, last}};
    Rr r;
    r.owner.assign(qname.begin(), qname.end());
    r.type = qtype;
    r.ttl = kIpv4onlyTtl;
    if (qtype == kTypeAAAA) {
      Ipv6Addr v6 = rfc6052::embed(s.prefix, v4);
      r.rdata.assign(v6.b.begin(), v6.b.end());
    } else {
      r.rdata.assign(v4.b.begin(), v4.b.end());
    }
    out.answer.push_back(std::move(r));
  }
  return out;
}

}  // namespace sixfour::dns64
