// Value types for IPv4/IPv6 addresses and prefixes, with parsing that names the bad value.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "common/result.hpp"

namespace sixfour {

struct Ipv4Addr {
  std::array<uint8_t, 4> b{};  // network byte order

  static Ipv4Addr from_u32(uint32_t host_order);
  uint32_t to_u32() const;                               // host order
  static Result<Ipv4Addr> parse(std::string_view text);  // dotted quad only
  std::string str() const;
  auto operator<=>(const Ipv4Addr&) const = default;
};

struct Ipv6Addr {
  std::array<uint8_t, 16> b{};  // network byte order

  static Result<Ipv6Addr> parse(std::string_view text);  // RFC 4291 §2.2 text forms
  std::string str() const;                               // RFC 5952 canonical form
  auto operator<=>(const Ipv6Addr&) const = default;
};

struct Ipv4Prefix {
  Ipv4Addr addr;    // host bits are zero
  uint8_t len = 0;  // 0..32

  // "a.b.c.d/len" or "a.b.c.d" (= /32). Host bits set is an error ("198.51.100.1/24 has host bits set").
  static Result<Ipv4Prefix> parse(std::string_view text);
  bool contains(Ipv4Addr a) const;
  bool contains(const Ipv4Prefix& p) const;  // p is inside this prefix
  std::string str() const;
  auto operator<=>(const Ipv4Prefix&) const = default;
};

struct Ipv6Prefix {
  Ipv6Addr addr;    // host bits are zero
  uint8_t len = 0;  // 0..128

  // "x::/len" or "x::" (= /128). Host bits set is an error.
  static Result<Ipv6Prefix> parse(std::string_view text);
  bool contains(const Ipv6Addr& a) const;
  bool contains(const Ipv6Prefix& p) const;
  std::string str() const;
  auto operator<=>(const Ipv6Prefix&) const = default;
};

// The netmask of a prefix length: IPv4 as a host-order word (`len` 0..32), IPv6 as an address
// whose first `len` bits are set (0..128).
uint32_t ipv4_mask(unsigned len);
Ipv6Addr ipv6_mask(unsigned len);

// An IPv4 or an IPv6 prefix, by the text's form (an IPv6 one has a colon): the client
// allow-lists of the DNS64 server and the SOCKS proxy hold both families in one list.
struct IpPrefix {
  bool v6 = false;
  Ipv4Prefix p4;  // when !v6
  Ipv6Prefix p6;  // when v6

  static Result<IpPrefix> parse(std::string_view text);  // as Ipv4Prefix::parse / Ipv6Prefix::parse
  std::string str() const;
  bool contains(Ipv4Addr a) const { return !v6 && p4.contains(a); }
  bool contains(const Ipv6Addr& a) const { return v6 && p6.contains(a); }
};

// An address with a port, as listen settings write it: "IPV4:PORT" or "[IPV6]:PORT" (PORT 1..65535).
struct HostPort {
  bool v6 = false;
  Ipv4Addr a4;  // when !v6
  Ipv6Addr a6;  // when v6
  uint16_t port = 0;
  static Result<HostPort> parse(std::string_view text);
};

// Special-purpose addresses (RFC 6890 and the IANA registries). "Global" means: not in any block
// the registries mark as not globally reachable (0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
// 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4,
// 240/4, 255.255.255.255).
bool is_global(Ipv4Addr a);
// What is_global() decides, as prefixes (the longest match wins; no match: global): the IANA
// blocks not globally reachable, and the exceptions inside them that are. For tables that do the
// same lookup elsewhere (the eBPF fast path).
struct GlobalRule4 {
  Ipv4Prefix prefix;
  bool global = false;
};
std::vector<GlobalRule4> global_rules4();
bool is_multicast(Ipv4Addr a);          // 224.0.0.0/4
bool is_multicast(const Ipv6Addr& a);   // ff00::/8
bool is_limited_broadcast(Ipv4Addr a);  // 255.255.255.255

}  // namespace sixfour
