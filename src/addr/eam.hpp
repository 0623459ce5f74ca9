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

// The EAM table. Lookups use longest-prefix match in each direction (RFC 7757 §3.2, §3.3): the
// suffix (host part) is copied verbatim, so both prefixes of an entry have equal suffix lengths
// (128 - v6.len == 32 - v4.len).
class EamTable {
 public:
  // Errors: unequal suffix lengths, or a prefix that overlaps an existing entry's prefix in the same
  // family (an entry could not be reversed otherwise).
  Status add(const Eam& entry);
  // "2001:db8:6::/120=198.51.100.0/24" (either order of the two sides is accepted).
  static Result<Eam> parse(std::string_view text);

  std::optional<Ipv4Addr> to_v4(const Ipv6Addr& a) const;
  std::optional<Ipv6Addr> to_v6(Ipv4Addr a) const;

  const std::vector<Eam>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Eam> entries_;  // kept sorted for lookup; tables are small (tens to thousands)
};

}  // namespace sixfour
