#include "addr/eam.hpp"

#include <algorithm>
#include <string>

namespace sixfour {

namespace {

using u128 = unsigned __int128;

u128 load128(const Ipv6Addr& a) {
  u128 v = 0;
  for (uint8_t byte : a.b) v = (v << 8) | byte;
  return v;
}

Ipv6Addr store128(u128 v) {
  Ipv6Addr a;
  for (int i = 15; i >= 0; --i) {
    a.b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return a;
}

uint32_t host_mask32(unsigned suffix_bits) {
  return suffix_bits >= 32 ? ~uint32_t{0} : (uint32_t{1} << suffix_bits) - 1;
}

unsigned suffix4(const Eam& e) { return 32u - e.v4.len; }
unsigned suffix6(const Eam& e) { return 128u - e.v6.len; }

std::string entry_str(const Eam& e) { return e.v6.str() + "=" + e.v4.str(); }

// RFC 7757 §3.2 lets the two suffixes differ. The IPv4 suffix must fit in the IPv6 one (it is
// copied right after the IPv6 prefix, the bits after it are zero); an IPv6 suffix shorter than the
// IPv4 one would lose IPv4 bits, and such an entry could map several IPv4 addresses to one IPv6.
Status check_suffixes(const Eam& e) {
  if (suffix6(e) >= suffix4(e)) return Ok{};
  return Error{"EAM \"" + entry_str(e) + "\": the IPv6 prefix leaves fewer host bits (" + std::to_string(suffix6(e)) +
               ") than the IPv4 prefix (" + std::to_string(suffix4(e)) + "): the IPv4 suffix would not fit"};
}

}  // namespace

Status EamTable::add(const Eam& entry) {
  if (auto st = check_suffixes(entry); !st) return st;
  // Nested prefixes are allowed (§3.2: the longest match wins); the very same prefix twice in one
  // family would make the lookup ambiguous.
  for (const auto& e : entries_) {
    if (e.v6 == entry.v6) {
      return Error{"EAM \"" + entry_str(entry) + "\": IPv6 prefix " + entry.v6.str() + " is already in entry \"" +
                   entry_str(e) + "\""};
    }
    if (e.v4 == entry.v4) {
      return Error{"EAM \"" + entry_str(entry) + "\": IPv4 prefix " + entry.v4.str() + " is already in entry \"" +
                   entry_str(e) + "\""};
    }
  }
  // Longest IPv4 prefixes first, so the first match of to_v6 is the longest match; by6_ likewise
  // for to_v4.
  auto pos = std::find_if(entries_.begin(), entries_.end(), [&](const Eam& e) { return e.v4.len < entry.v4.len; });
  entries_.insert(pos, entry);
  by6_ = entries_;
  std::stable_sort(by6_.begin(), by6_.end(), [](const Eam& a, const Eam& b) { return a.v6.len > b.v6.len; });
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
  for (const auto& e : by6_) {
    if (!e.v6.contains(a)) continue;
    // §3.2: the IPv4 suffix is the first bits of the IPv6 suffix; bits after them are not used.
    if (suffix4(e) == 0) return e.v4.addr;
    const unsigned shift = suffix6(e) - suffix4(e);  // < 128
    const auto bits = static_cast<uint32_t>(load128(a) >> shift) & host_mask32(suffix4(e));
    return Ipv4Addr::from_u32(e.v4.addr.to_u32() | bits);
  }
  return std::nullopt;
}

std::optional<Ipv6Addr> EamTable::to_v6(Ipv4Addr a) const {
  for (const auto& e : entries_) {
    if (!e.v4.contains(a)) continue;
    // §3.2: the IPv4 suffix is appended to the IPv6 prefix; the rest of the IPv6 suffix is zero.
    if (suffix4(e) == 0) return e.v6.addr;
    const unsigned shift = suffix6(e) - suffix4(e);  // < 128
    const u128 bits = u128{a.to_u32() & host_mask32(suffix4(e))} << shift;
    return store128(load128(e.v6.addr) | bits);
  }
  return std::nullopt;
}

}  // namespace sixfour
