#include "io/socks/nat64_prefix.hpp"

#include <spdlog/spdlog.h>

#include "io/sys/rfc7050_lookup.hpp"

namespace sixfour::io::socks_proxy {

namespace {
// How long the start-up lookup waits for the host's resolvers (all asked at once).
constexpr int kLookupTimeoutMs = 2000;
}  // namespace

std::optional<Ipv6Prefix> nat64_prefix(const socks::Settings& cfg) {
  if (cfg.nat64_mode == socks::Nat64Mode::Fixed) return cfg.nat64;
  if (cfg.nat64_mode != socks::Nat64Mode::Auto) return std::nullopt;
  // RFC 7050 §3, with the rules `sixfour doctor` applies (io/sys/rfc7050_lookup.hpp): the AAAA
  // records of ipv4only.arpa from the host's own resolvers, 192.0.0.170/171 at any RFC 6052 position.
  std::optional<Ipv6Prefix> found = rfc7050_first_prefix({}, kLookupTimeoutMs);
  if (found)
    spdlog::info("NAT64 prefix {} discovered (RFC 7050)", found->str());
  else
    spdlog::warn("--nat64-prefix auto: ipv4only.arpa has no synthesized AAAA; NAT64 off");
  return found;
}

}  // namespace sixfour::io::socks_proxy
