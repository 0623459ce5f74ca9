#include "addr/ip.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "common/bytes.hpp"

namespace sixfour {

namespace {

std::string quoted(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 2);
  s += '"';
  s += text;
  s += '"';
  return s;
}

Error bad(std::string_view text, std::string_view why) { return Error{quoted(text) + ": " + std::string(why)}; }

// Splits "addr/len" into its parts; `has_len` is false when there is no '/'.
struct PrefixText {
  std::string_view addr;
  std::string_view len;
  bool has_len = false;
};

PrefixText split_prefix(std::string_view text) {
  PrefixText p;
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    p.addr = text;
  } else {
    p.addr = text.substr(0, slash);
    p.len = text.substr(slash + 1);
    p.has_len = true;
  }
  return p;
}

// Parses the decimal prefix length; returns -1 if it is not 1..3 plain digits.
int parse_len(std::string_view s) {
  if (s.empty() || s.size() > 3) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// inet_pton reads a C string: an embedded NUL would hide whatever follows it.
bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

uint32_t ipv4_mask(unsigned len) { return len == 0 ? 0 : ~uint32_t{0} << (32 - std::min(len, 32u)); }

Ipv6Addr ipv6_mask(unsigned len) {
  Ipv6Addr m;
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits = len > 8 * i ? std::min(8u, len - 8 * i) : 0;
    m.b[i] = static_cast<uint8_t>(0xff00 >> bits);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Ipv4Addr

Ipv4Addr Ipv4Addr::from_u32(uint32_t host_order) {
  Ipv4Addr a;
  store32(a.b.data(), host_order);
  return a;
}

uint32_t Ipv4Addr::to_u32() const { return load32(b.data()); }

Result<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
  // inet_pton(AF_INET) accepts exactly the dotted quad (no octal, hex or short forms).
  std::string s(text);
  Ipv4Addr a;
  if (text.empty() || text.size() > 15 || has_nul(text) || inet_pton(AF_INET, s.c_str(), a.b.data()) != 1) {
    return bad(text, "not an IPv4 address (expected a.b.c.d)");
  }
  return a;
}

std::string Ipv4Addr::str() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Ipv6Addr

Result<Ipv6Addr> Ipv6Addr::parse(std::string_view text) {
  std::string s(text);
  Ipv6Addr a;
  if (text.empty() || text.size() > 45 || has_nul(text) || inet_pton(AF_INET6, s.c_str(), a.b.data()) != 1) {
    return bad(text, "not an IPv6 address");
  }
  return a;
}

// RFC 5952 §4: lowercase hex, no leading zeros in a group, "::" replaces the longest run of two or
// more zero groups (the first one on a tie), never a single zero group. §5: IPv4-mapped addresses
// (::ffff:0:0/96) are written with the IPv4 part in dotted decimal.
std::string Ipv6Addr::str() const {
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = load16(&b[2 * i]);

  bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
  int ngroups = mapped ? 6 : 8;

  int best = -1, best_len = 0;
  for (int i = 0; i < ngroups;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < ngroups && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;

  std::string out;
  out.reserve(46);
  char buf[8];
  for (int i = 0; i < ngroups; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  if (mapped) {
    if (out.back() != ':') out += ':';
    out += Ipv4Addr{{b[12], b[13], b[14], b[15]}}.str();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ipv4Prefix

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  PrefixText pt = split_prefix(text);
  Ipv4Prefix p;
  std::string addr_s(pt.addr);
  if (pt.addr.empty() || pt.addr.size() > 15 || has_nul(pt.addr) ||
      inet_pton(AF_INET, addr_s.c_str(), p.addr.b.data()) != 1) {
    return bad(text, "not an IPv4 prefix (expected a.b.c.d/len)");
  }
  int len = 32;
  if (pt.has_len) {
    len = parse_len(pt.len);
    if (len < 0 || len > 32) return bad(text, "prefix length must be 0..32");
  }
  p.len = static_cast<uint8_t>(len);
  if ((p.addr.to_u32() & ~ipv4_mask(p.len)) != 0) return bad(text, "host bits set");
  return p;
}

bool Ipv4Prefix::contains(Ipv4Addr a) const { return ((a.to_u32() ^ addr.to_u32()) & ipv4_mask(len)) == 0; }

bool Ipv4Prefix::contains(const Ipv4Prefix& p) const { return p.len >= len && contains(p.addr); }

std::string Ipv4Prefix::str() const { return addr.str() + "/" + std::to_string(len); }

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  IpPrefix p;
  if (text.find(':') != std::string_view::npos) {
    auto p6 = Ipv6Prefix::parse(text);
    if (!p6) return Error{p6.error()};
    p.v6 = true;
    p.p6 = *p6;
    return p;
  }
  auto p4 = Ipv4Prefix::parse(text);
  if (!p4) return Error{p4.error()};
  p.p4 = *p4;
  return p;
}

std::string IpPrefix::str() const { return v6 ? p6.str() : p4.str(); }

// ---------------------------------------------------------------------------------------------
// Ipv6Prefix

Result<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  PrefixText pt = split_prefix(text);
  Ipv6Prefix p;
  std::string addr_s(pt.addr);
  if (pt.addr.empty() || pt.addr.size() > 45 || has_nul(pt.addr) ||
      inet_pton(AF_INET6, addr_s.c_str(), p.addr.b.data()) != 1) {
    return bad(text, "not an IPv6 prefix (expected x::/len)");
  }
  int len = 128;
  if (pt.has_len) {
    len = parse_len(pt.len);
    if (len < 0 || len > 128) return bad(text, "prefix length must be 0..128");
  }
  p.len = static_cast<uint8_t>(len);
  const Ipv6Addr mask = ipv6_mask(p.len);
  for (size_t i = 0; i < 16; ++i) {
    if (p.addr.b[i] & ~mask.b[i]) return bad(text, "host bits set");
  }
  return p;
}

bool Ipv6Prefix::contains(const Ipv6Addr& a) const {
  size_t full = len / 8;
  for (size_t i = 0; i < full; ++i) {
    if (a.b[i] != addr.b[i]) return false;
  }
  unsigned rem = len % 8;
  if (rem == 0) return true;
  uint8_t m = static_cast<uint8_t>(0xff << (8 - rem));
  return ((a.b[full] ^ addr.b[full]) & m) == 0;
}

bool Ipv6Prefix::contains(const Ipv6Prefix& p) const { return p.len >= len && contains(p.addr); }

std::string Ipv6Prefix::str() const { return addr.str() + "/" + std::to_string(len); }

// ---------------------------------------------------------------------------------------------
// Special-purpose addresses

namespace {

struct Block4 {
  uint32_t net;
  uint8_t len;
};

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates), the entries whose
// "Globally Reachable" is False, plus multicast (224/4, RFC 5771) which is not unicast-reachable.
constexpr Block4 kNonGlobal4[] = {
    {0x00000000, 8},   // 0.0.0.0/8        "this network" (RFC 791)
    {0x0a000000, 8},   // 10.0.0.0/8       private (RFC 1918)
    {0x64400000, 10},  // 100.64.0.0/10    shared address space (RFC 6598)
    {0x7f000000, 8},   // 127.0.0.0/8      loopback (RFC 1122)
    {0xa9fe0000, 16},  // 169.254.0.0/16   link local (RFC 3927)
    {0xac100000, 12},  // 172.16.0.0/12    private (RFC 1918)
    {0xc0000000, 24},  // 192.0.0.0/24     IETF protocol assignments (RFC 6890), except .9 and .10
    {0xc0000200, 24},  // 192.0.2.0/24     TEST-NET-1 (RFC 5737)
    {0xc0586300, 24},  // 192.88.99.0/24   deprecated 6to4 relay anycast (RFC 7526)
    {0xc0a80000, 16},  // 192.168.0.0/16   private (RFC 1918)
    {0xc6120000, 15},  // 198.18.0.0/15    benchmarking (RFC 2544)
    {0xc6336400, 24},  // 198.51.100.0/24  TEST-NET-2 (RFC 5737)
    {0xcb007100, 24},  // 203.0.113.0/24   TEST-NET-3 (RFC 5737)
    {0xe0000000, 4},   // 224.0.0.0/4      multicast (RFC 5771)
    {0xf0000000, 4},   // 240.0.0.0/4      reserved (RFC 1112), includes 255.255.255.255 (RFC 919)
};

// The registry marks these two inside 192.0.0.0/24 as globally reachable: PCP anycast (RFC 7723)
// and TURN anycast (RFC 8155).
constexpr uint32_t kGlobalInNonGlobal4[] = {0xc0000009, 0xc000000a};

}  // namespace

std::vector<GlobalRule4> global_rules4() {
  std::vector<GlobalRule4> out;
  for (const auto& blk : kNonGlobal4) out.push_back({Ipv4Prefix{Ipv4Addr::from_u32(blk.net), blk.len}, false});
  for (uint32_t v : kGlobalInNonGlobal4) out.push_back({Ipv4Prefix{Ipv4Addr::from_u32(v), 32}, true});
  return out;
}

bool is_global(Ipv4Addr a) {
  uint32_t v = a.to_u32();
  for (uint32_t g : kGlobalInNonGlobal4)
    if (v == g) return true;
  for (const auto& blk : kNonGlobal4) {
    if (((v ^ blk.net) & ipv4_mask(blk.len)) == 0) return false;
  }
  return true;
}

bool is_multicast(Ipv4Addr a) { return (a.b[0] & 0xf0) == 0xe0; }
bool is_multicast(const Ipv6Addr& a) { return a.b[0] == 0xff; }
bool is_limited_broadcast(Ipv4Addr a) { return a.to_u32() == 0xffffffff; }

Result<HostPort> HostPort::parse(std::string_view text) {
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error{"expected [IPV6]:PORT"};
    auto a = Ipv6Addr::parse(text.substr(1, close - 1));
    if (!a) return Error{a.error()};
    hp.v6 = true;
    hp.a6 = *a;
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return Error{"expected IPV4:PORT or [IPV6]:PORT"};
    auto a = Ipv4Addr::parse(text.substr(0, colon));
    if (!a) return Error{a.error()};
    hp.a4 = *a;
    port = text.substr(colon + 1);
  }
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) return Error{"port must be 1..65535"};
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port.empty() || p == 0 || p > 65535) return Error{"port must be 1..65535"};
  hp.port = static_cast<uint16_t>(p);
  return hp;
}

}  // namespace sixfour
