// NAT64 prefix discovery as a host sees it: RFC 8781 (the PREF64 option in router advertisements)
// here, RFC 7050 (the AAAA records of ipv4only.arpa) in addr/rfc7050.hpp. Pure: the caller does the
// I/O.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "addr/ip.hpp"
#include "addr/rfc7050.hpp"

namespace sixfour::doctor {

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
