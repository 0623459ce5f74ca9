// NAT64 prefix discovery as a host sees it: RFC 7050 (the AAAA records of ipv4only.arpa) and
// RFC 8781 (the PREF64 option in router advertisements). Pure: the caller does the I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "addr/ip.hpp"

namespace sixfour::doctor {

// RFC 7050 §2 / RFC 8880 §7.2: the well-known IPv4 addresses of ipv4only.arpa.
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

struct Rfc7050Answer {
  Ipv6Addr address;
  std::vector<WkaMatch> matches;  // empty: the record carries no WKA and is ignored (RFC 7050 §3)
};

struct Rfc7050Result {
  std::vector<Rfc7050Answer> answers;  // one per AAAA record, in the order received
  std::vector<Ipv6Prefix> prefixes;    // the prefixes found, distinct, in answer order
  // Some answer had the WKA at more than one position and the other WKA did not settle which one
  // (RFC 7050 §3); `prefixes` then lists every candidate of that answer.
  bool ambiguous = false;
};

// RFC 7050 §3: examines every AAAA record of ipv4only.arpa. A record whose WKA appears at one
// position gives that prefix. A record with the WKA at several positions is disambiguated by the
// other WKA: a position where another record carries the other WKA under the same prefix wins;
// if that leaves several (or none), all are reported and `ambiguous` is set.
Rfc7050Result extract_prefixes(std::span<const Ipv6Addr> aaaa);

// RFC 8781 §4: the PREF64 option (type 38) of a router advertisement.
inline constexpr uint8_t kPref64Type = 38;

struct Pref64 {
  Ipv6Prefix prefix;        // length from the PLC; bits beyond it cleared
  uint32_t lifetime_s = 0;  // Scaled Lifetime * 8 (§4); 0 = stop using the prefix
  bool operator==(const Pref64&) const = default;
};

enum class Pref64Error { ok, truncated, bad_length, bad_plc };

// Parses one PREF64 option starting at its Type octet. RFC 8781 §4: the receiver MUST ignore the
// option when Length is not 2 and when the PLC is 6 or 7.
struct Pref64Parse {
  Pref64Error error = Pref64Error::ok;
  Pref64 value;
};
Pref64Parse parse_pref64(std::span<const uint8_t> option);

// Walks the options of a router advertisement (RFC 4861 §4.2: the ICMPv6 message from its type
// octet; options start at offset 16) and returns the valid PREF64 options in it. `ra_message`
// shorter than the header, or an option with length 0 (RFC 4861 §4.6: the receiver MUST discard
// the packet), gives an empty list.
std::vector<Pref64> pref64_from_ra(std::span<const uint8_t> ra_message);

// The same for a bare sequence of ND options (what the kernel passes in RTM_NEWNDUSEROPT).
std::vector<Pref64> pref64_from_options(std::span<const uint8_t> options);

}  // namespace sixfour::doctor
