// RFC 7050 §3: the NAT64 prefix from the AAAA records of ipv4only.arpa, which a DNS64 synthesizes
// from the name's well-known IPv4 addresses. Pure: the caller sends the query (io/sys/rfc7050_lookup).
// One implementation for every user: `sixfour doctor`, `sixfour socks --nat64-prefix auto`.
#pragma once
#include <optional>
#include <span>
#include <vector>

#include "addr/ip.hpp"

namespace sixfour::rfc7050 {

// RFC 7050 §2 / RFC 8880 §7.2: the well-known IPv4 addresses (WKA) of ipv4only.arpa.
inline constexpr Ipv4Addr kWka170{{192, 0, 0, 170}};
inline constexpr Ipv4Addr kWka171{{192, 0, 0, 171}};

// One AAAA answer and every RFC 6052 position (/32, /40, /48, /56, /64, /96) at which it carries
// 192.0.0.170 or 192.0.0.171 with the u octet (bits 64..71) zero (RFC 6052 §2.2).
struct WkaMatch {
  Ipv6Prefix prefix;
  Ipv4Addr wka;
  bool operator==(const WkaMatch&) const = default;
};
std::vector<WkaMatch> wka_positions(const Ipv6Addr& a);

struct Answer {
  Ipv6Addr address;
  std::vector<WkaMatch> matches;  // empty: the record carries no WKA and is ignored (RFC 7050 §3)
};

struct Result {
  std::vector<Answer> answers;       // one per AAAA record, in the order received
  std::vector<Ipv6Prefix> prefixes;  // the prefixes found, distinct, in answer order
  // Some answer had the WKA at more than one position and the other WKA did not settle which one
  // (RFC 7050 §3); `prefixes` then lists every candidate of that answer.
  bool ambiguous = false;
};

// RFC 7050 §3: examines every AAAA record of ipv4only.arpa. A record whose WKA appears at one
// position gives that prefix. A record with the WKA at several positions is disambiguated by the
// other WKA: a position where another record carries the other WKA under the same prefix wins;
// if that leaves several (or none), all are reported and `ambiguous` is set.
Result extract_prefixes(std::span<const Ipv6Addr> aaaa);

// The prefix a node that needs one prefix uses: the first one found, nullopt if none.
std::optional<Ipv6Prefix> first_prefix(const Result& r);

// Appends to `into` each of `from` not already in it (prefixes learnt from several resolvers).
void add_distinct(std::vector<Ipv6Prefix>& into, std::span<const Ipv6Prefix> from);

// `a` with the bits from `len` on cleared: the prefix of that length containing `a`.
Ipv6Prefix masked(const Ipv6Addr& a, uint8_t len);

}  // namespace sixfour::rfc7050
