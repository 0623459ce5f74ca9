// Validation steps that parse addresses, shared by the config modules (see config_input.hpp for the
// plain ones).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "addr/ip.hpp"
#include "common/config_input.hpp"
#include "common/result.hpp"
#include "xlat/config.hpp"

namespace sixfour {

// An RFC 6052 translation prefix (length 32, 40, 48, 56, 64 or 96); `dst` is left alone when the
// value was not given.
Status set_rfc6052_prefix(const Given<std::string>& g, std::string_view key, Ipv6Prefix& dst);

// `icmp-source` of the TUN translators: where the ICMPv4 errors the translator makes itself come
// from. Default: the daemon's own rule (an RFC 6791 address, 192.0.0.8, a pool4 address); Host:
// the host's IPv4 address toward the IPv4 side, found by the daemon when it starts; Address: that
// address.
struct IcmpSource {
  enum class Kind : uint8_t { Default, Host, Address };
  Kind kind = Kind::Default;
  Ipv4Addr addr{};          // Kind::Address
  std::string str() const;  // "host", the address, or "" for Kind::Default
};
inline constexpr std::string_view kIcmpSourceHelp =
    "source of the ICMPv4 errors the translator makes itself: an IPv4 address, or host = the primary IPv4 "
    "address of the interface of the host's IPv4 default route, found at start";
// "host", or a unicast IPv4 address (not in 0.0.0.0/8 or 127.0.0.0/8, not multicast or broadcast).
Status set_icmp_source(const Given<std::string>& g, std::string_view key, IcmpSource& dst);

inline constexpr std::string_view kIcmpRateHelp =
    "ICMP errors the translator makes itself, per second over all workers, in bursts of at most 50 "
    "(RFC 4443 §2.4); 0 = no limit; Fragmentation Needed and Packet Too Big are never limited";
inline constexpr std::string_view kIcmpRatePerDestinationHelp =
    "ICMP errors the translator makes itself, per second to any one destination (an IPv4 address, an IPv6 "
    "/64) over all workers, besides --icmp-rate, in bursts of at most min(N, 50); 0 = no limit per destination";
inline constexpr std::string_view kFastPathHelp =
    "eBPF fast path: auto = translate the common packets in the kernel, at the uplinks' ingress "
    "(every Ethernet device, those that come later too; routed by the program itself, past the "
    "kernel's forwarding and its firewall) and on the TUN, "
    "the rest in the daemon; tun = on the TUN only (translated packets pass the kernel's forwarding "
    "and firewall as without it); off = every packet through the daemon. auto and tun fall back to "
    "the daemon alone where BPF cannot load (the start line says why)";
// `fast-path`: auto, tun or off (docs/fast-path.md).
enum class FastPathMode : uint8_t { Off, Tun, Auto };
Status set_fast_path(const Given<std::string>& g, std::string_view key, FastPathMode& dst);
std::string_view str(FastPathMode m);
// `lowest-ipv6-mtu` (1280..65535), `icmp-rate` (0..1000000, default
// xlat::Config::kDefaultIcmpRate) and `icmp-rate-per-destination` (0..1000000, default 0) of the TUN
// translators, into their xlat::Config.
Status set_translator_limits(const Given<std::string>& lowest_ipv6_mtu, const Given<std::string>& icmp_rate,
                             const Given<std::string>& icmp_rate_per_destination, xlat::Config& x);

}  // namespace sixfour
