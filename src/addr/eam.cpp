#include "addr/eam.hpp"

#include <algorithm>
#include <string>

#include "common/bytes.hpp"

namespace sixfour {

namespace {

uint32_t host_mask32(unsigned suffix_bits) {
  return suffix_bits >= 32 ? ~uint32_t{0} : (uint32_t{1} << suffix_bits) - 1;
}

std::string entry_str(const Eam& e) { return e.v6.str() + "=" + e.v4.str(); }

bool overlaps(const Ipv6Prefix& a, const Ipv6Prefix& b) { return a.contains(b) || b.contains(a); }
bool overlaps(const Ipv4Prefix& a, const Ipv4Prefix& b) { return a.contains(b) || b.contains(a); }

// RFC 7757 §3.2/§3.3 copy the suffix bit for bit; this implementation requires both sides to have
// the same number of suffix bits so that every mapping is reversible.
Status check_suffixes(const Eam& e) {
  unsigned s6 = 128u - e.v6.len, s4 = 32u - e.v4.len;
  if (s6 == s4) return Ok{};
  return Error{"EAM \"" + entry_str(e) + "\": suffix lengths differ (" + std::to_string(s6) +
               " host bits in the IPv6 prefix, " + std::to_string(s4) + " in the IPv4 prefix)"};
}

}  // namespace

Status EamTable::add(const Eam& entry) {
  if (auto st = check_suffixes(entry); !st) return st;
  for (const auto& e : entries_) {
    if (overlaps(e.v6, entry.v6)) {
      return Error{"EAM \"" + entry_str(entry) + "\": IPv6 prefix " + entry.v6.str() + " overlaps existing entry \"" +
                   entry_str(e) + "\""};
    }
    if (overlaps(e.v4, entry.v4)) {
      return Error{"EAM \"" + entry_str(entry) + "\": IPv4 prefix " + entry.v4.str() + " overlaps existing entry \"" +
                   entry_str(e) + "\""};
    }
  }
  // Longest prefixes first, so the first match in a scan is the longest match (§3.2, §3.3).
  auto pos = std::find_if(entries_.begin(), entries_.end(), [&](const Eam& e) { return e.v4.len < entry.v4.len; });
  entries_.insert(pos, entry);
  return Ok{};
}

Result<Eam> EamTable::parse(std::string_view text) {
  auto quoted = [&] { return "EAM \"" + std::string(text) + "\": "; };
  auto eq = text.find('=');
  if (eq == std::string_view::npos || text.find('=', eq + 1) != std::string_view::npos) {
    return Error{quoted() + "expected IPV6PREFIX=IPV4PREFIX"};
  }
  std::string_view left = text.substr(0, eq), right = text.substr(eq + 1);
  bool left6 = left.find(':') != std::string_view::npos;
  bool right6 = right.find(':') != std::string_view::npos;
  if (left6 == right6) {
    return Error{quoted() + "expected one IPv6 and one IPv4 prefix (IPV6PREFIX=IPV4PREFIX)"};
  }
  std::string_view t6 = left6 ? left : right, t4 = left6 ? right : left;
  auto p6 = Ipv6Prefix::parse(t6);
  if (!p6) return Error{quoted() + p6.error()};
  auto p4 = Ipv4Prefix::parse(t4);
  if (!p4) return Error{quoted() + p4.error()};
  Eam e{*p6, *p4};
  if (auto st = check_suffixes(e); !st) return Error{st.error()};
  return e;
}

std::optional<Ipv4Addr> EamTable::to_v4(const Ipv6Addr& a) const {
  for (const auto& e : entries_) {
    if (!e.v6.contains(a)) continue;
    // §3.3: the IPv6 suffix (at most 32 bits, equal to the IPv4 suffix) is appended to the IPv4 prefix.
    uint32_t m = host_mask32(128u - e.v6.len);
    return Ipv4Addr::from_u32(e.v4.addr.to_u32() | (load32(&a.b[12]) & m));
  }
  return std::nullopt;
}

std::optional<Ipv6Addr> EamTable::to_v6(Ipv4Addr a) const {
  for (const auto& e : entries_) {
    if (!e.v4.contains(a)) continue;
    // §3.2: the IPv4 suffix is appended to the IPv6 prefix.
    uint32_t m = host_mask32(32u - e.v4.len);
    Ipv6Addr out = e.v6.addr;
    store32(&out.b[12], load32(&out.b[12]) | (a.to_u32() & m));
    return out;
  }
  return std::nullopt;
}

}  // namespace sixfour
