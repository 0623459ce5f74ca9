#include "socks/policy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "addr/rfc6052.hpp"

namespace sixfour::socks {

namespace {

bool is_v4_mapped(const std::array<uint8_t, 16>& ip) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(kMapped, kMapped + 12, ip.begin());
}

Ipv4Addr low4(const std::array<uint8_t, 16>& ip) { return Ipv4Addr{{ip[12], ip[13], ip[14], ip[15]}}; }
Ipv4Addr first4(const std::array<uint8_t, 16>& ip) { return Ipv4Addr{{ip[0], ip[1], ip[2], ip[3]}}; }

bool private_v4(Ipv4Addr a) {
  const uint32_t x = a.to_u32();
  auto in = [x](uint32_t net, int len) { return len == 0 || (x >> (32 - len)) == (net >> (32 - len)); };
  return in(0x00000000, 8) || in(0x0a000000, 8) || in(0x64400000, 10) || in(0x7f000000, 8) || in(0xa9fe0000, 16) ||
         in(0xac100000, 12) || in(0xc0a80000, 16) || in(0xe0000000, 4) || in(0xf0000000, 4);
}

}  // namespace

bool client_allowed(const std::vector<IpPrefix>& allow, const Address& client) {
  if (allow.empty()) return true;
  const bool mapped = client.kind == Address::Kind::Ipv6 && is_v4_mapped(client.ip);
  for (const IpPrefix& p : allow) {
    if (client.kind == Address::Kind::Ipv4 && !p.v6 && p.p4.contains(first4(client.ip))) return true;
    if (mapped && !p.v6 && p.p4.contains(low4(client.ip))) return true;
    if (client.kind == Address::Kind::Ipv6 && p.v6 && p.p6.contains(Ipv6Addr{client.ip})) return true;
  }
  return false;
}

bool is_private_target(const Address& a, const std::optional<Ipv6Prefix>& nat64) {
  if (a.kind == Address::Kind::Ipv4) return private_v4(first4(a.ip));
  if (a.kind != Address::Kind::Ipv6) return false;
  const Ipv6Addr v6{a.ip};
  if (is_v4_mapped(a.ip)) return private_v4(low4(a.ip));
  if (nat64 && nat64->contains(v6)) return private_v4(rfc6052::extract(*nat64, v6));
  static const Ipv6Addr kAny{}, kLoop{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  if (v6 == kAny || v6 == kLoop) return true;
  if ((a.ip[0] & 0xfe) == 0xfc) return true;                     // fc00::/7 ULA
  if (a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80) return true;  // fe80::/10
  if (a.ip[0] == 0xff) return true;                              // multicast
  return false;
}

std::vector<Address> order_attempts(const std::vector<Address>& resolved, const std::optional<Ipv6Prefix>& nat64) {
  std::vector<Address> v6, v4;
  for (const Address& a : resolved) {
    if (a.kind == Address::Kind::Ipv6) {
      if (std::find(v6.begin(), v6.end(), a) == v6.end()) v6.push_back(a);
    } else if (a.kind == Address::Kind::Ipv4) {
      if (std::find(v4.begin(), v4.end(), a) == v4.end()) v4.push_back(a);
    }
  }
  std::vector<Address> out;
  out.reserve(resolved.size() * 2);
  auto push4 = [&](const Address& a) {
    out.push_back(a);
    if (nat64) {
      Address s = Address::v6(rfc6052::embed(*nat64, first4(a.ip)).b, a.port);
      if (std::find(v6.begin(), v6.end(), s) == v6.end()) out.push_back(s);
    }
  };
  const bool v6_first = resolved.empty() || resolved.front().kind != Address::Kind::Ipv4;
  size_t i = 0, j = 0;
  while (i < v6.size() || j < v4.size()) {
    if (v6_first) {
      if (i < v6.size()) out.push_back(v6[i++]);
      if (j < v4.size()) push4(v4[j++]);
    } else {
      if (j < v4.size()) push4(v4[j++]);
      if (i < v6.size()) out.push_back(v6[i++]);
    }
  }
  return out;
}

}  // namespace sixfour::socks
