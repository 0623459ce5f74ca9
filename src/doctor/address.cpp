#include "doctor/address.hpp"

namespace sixfour::doctor {

namespace {

bool in4(Ipv4Addr a, uint32_t net, int len) {
  return ((a.to_u32() ^ net) & ipv4_mask(static_cast<unsigned>(len))) == 0;
}

}  // namespace

std::string_view kind_name(AddrKind k) {
  switch (k) {
    case AddrKind::global:
      return "global";
    case AddrKind::ula:
      return "ula";
    case AddrKind::link_local:
      return "link-local";
    case AddrKind::loopback:
      return "loopback";
    case AddrKind::private4:
      return "private";
    case AddrKind::shared4:
      return "shared";
    case AddrKind::clat4:
      return "clat";
    case AddrKind::other:
      return "other";
  }
  return "other";
}

AddrKind classify(Ipv4Addr a) {
  if (in4(a, 0x7f000000, 8)) return AddrKind::loopback;
  if (in4(a, 0xa9fe0000, 16)) return AddrKind::link_local;
  if (in4(a, 0x0a000000, 8) || in4(a, 0xac100000, 12) || in4(a, 0xc0a80000, 16)) return AddrKind::private4;
  if (in4(a, 0x64400000, 10)) return AddrKind::shared4;
  if (in4(a, 0xc0000000, 29)) return AddrKind::clat4;
  if (in4(a, 0xc0000200, 24) || in4(a, 0xc6336400, 24) || in4(a, 0xcb007100, 24)) return AddrKind::global;
  return is_global(a) ? AddrKind::global : AddrKind::other;
}

AddrKind classify(const Ipv6Addr& a) {
  static constexpr Ipv6Addr kLoopback{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  if (a == kLoopback) return AddrKind::loopback;
  if (a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80) return AddrKind::link_local;
  if ((a.b[0] & 0xfe) == 0xfc) return AddrKind::ula;
  if (a.b[0] == 0x20 && a.b[1] == 0x01 && a.b[2] == 0x0d && a.b[3] == 0xb8) return AddrKind::global;
  // 2000::/3 is the global unicast space (RFC 4291 §2.4); the rest (multicast, ::ffff:0:0/96,
  // unspecified, reserved) is not an address a host reaches the Internet with.
  if ((a.b[0] & 0xe0) == 0x20) return AddrKind::global;
  return AddrKind::other;
}

bool is_clat_interface_name(std::string_view name) { return name.starts_with("clat") || name.starts_with("v4-"); }

}  // namespace sixfour::doctor
