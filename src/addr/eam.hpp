// RFC 7757: Explicit Address Mappings for stateless IP/ICMP translation.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "common/result.hpp"

namespace sixfour {

struct Eam {
  Ipv6Prefix v6;
  Ipv4Prefix v4;
};

// The EAM table. Lookups use longest-prefix match in each direction (RFC 7757 §3.2). The IPv4
// suffix (host part) is copied bit for bit right after the IPv6 prefix. The IPv6 suffix may be
// longer than the IPv4 one (128 - v6.len >= 32 - v4.len): its extra bits are zero when mapping
// IPv4 to IPv6 and not used when mapping IPv6 to IPv4 (so such an entry maps many IPv6 addresses
// to each IPv4 address, and answers go to the one whose extra bits are zero).
class EamTable {
 public:
  // Errors: an IPv4 suffix longer than the IPv6 suffix, or a prefix already in the table in the
  // same family. Nested prefixes are accepted: the longest match wins in each direction.
  Status add(const Eam& entry);
  // "2001:db8:6::/120=198.51.100.0/24" (either order of the two sides is accepted).
  static Result<Eam> parse(std::string_view text);

  std::optional<Ipv4Addr> to_v4(const Ipv6Addr& a) const;
  std::optional<Ipv6Addr> to_v6(Ipv4Addr a) const;

  const std::vector<Eam>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Eam> entries_;  // longest IPv4 prefix first; tables are small (tens to thousands)
  std::vector<Eam> by6_;      // the same entries, longest IPv6 prefix first
};

}  // namespace sixfour
