#include "addr/rfc6052.hpp"

#include <fmt/format.h>

#include <string>

namespace sixfour::rfc6052 {

namespace {

// RFC 6052 §2.2: bits 64..71 (byte 8) are the "u" octet, reserved for compatibility with the
// RFC 4291 host identifier format; the embedded IPv4 address flows around it.
constexpr size_t kUOctet = 8;

}  // namespace

bool valid_length(uint8_t len) { return len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96; }

Result<Ipv6Prefix> parse_prefix(std::string_view text) {
  auto p = Ipv6Prefix::parse(text);
  if (!p) return Error{p.error()};
  // Built with fmt: GCC 12 at -O3 reports a false -Wrestrict on `"literal" + std::string&&`.
  std::string q = fmt::format("\"{}\": RFC 6052 prefix ", text);
  if (!valid_length(p->len)) return Error{q + "length must be 32, 40, 48, 56, 64 or 96"};
  // §2.2: the u octet MUST be zero; with a /96 prefix it is part of the prefix itself.
  if (p->addr.b[kUOctet] != 0) return Error{q + "bits 64..71 (the \"u\" octet) must be zero"};
  return p;
}

Ipv6Addr embed(const Ipv6Prefix& prefix, Ipv4Addr v4) {
  Ipv6Addr a{};                             // §2.2: the suffix after the IPv4 bits is zero
  if (!valid_length(prefix.len)) return a;  // contract violation; never index past the address
  size_t start = prefix.len / 8;
  for (size_t i = 0; i < start; ++i) a.b[i] = prefix.addr.b[i];
  size_t pos = start;
  for (uint8_t byte : v4.b) {
    if (pos == kUOctet) ++pos;  // u octet stays zero
    a.b[pos++] = byte;
  }
  return a;
}

Ipv4Addr extract(const Ipv6Prefix& prefix, const Ipv6Addr& a) {
  Ipv4Addr v4;
  if (!valid_length(prefix.len)) return v4;
  size_t pos = prefix.len / 8;
  for (auto& byte : v4.b) {
    if (pos == kUOctet) ++pos;
    byte = a.b[pos++];
  }
  return v4;
}

bool allowed(const Ipv6Prefix& prefix, Ipv4Addr v4, bool allow_non_global) {
  // §3.1: only the well-known prefix carries the restriction; RFC 8215's 64:ff9b:1::/48 is meant
  // for local use and so has none.
  if (allow_non_global || prefix != kWellKnownPrefix) return true;
  return is_global(v4);
}

}  // namespace sixfour::rfc6052
