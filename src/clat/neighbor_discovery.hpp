// Neighbour discovery for the CLAT's dedicated IPv6 address, pure (RFC 4861, RFC 4862). The kernel
// does not own that address (RFC 6877 §6.3 dedicated mode, docs/clat.md), so the daemon answers
// neighbour solicitations for it and runs duplicate address detection itself; these functions build
// and check the messages, the daemon sends and receives them (io/clat/uplink).
//
// Every buffer here is a whole IPv6 packet (fixed header, no extension headers) as an IPPROTO_RAW
// socket sends it and an AF_PACKET SOCK_DGRAM socket receives it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "addr/ip.hpp"

namespace sixfour::clat {

using Mac = std::array<uint8_t, 6>;

// Wire sizes of the messages this file builds (RFC 4861 §4.1, §4.3, §4.4; one 8-octet Ethernet
// link-layer address option, RFC 4861 §4.6.1 and RFC 2464 §6).
inline constexpr size_t kDadSolicitationSize = 40 + 24;
inline constexpr size_t kRouterSolicitationSize = 40 + 8 + 8;
inline constexpr size_t kNeighborAdvertisementSize = 40 + 24 + 8;

// ff02::1:ffXX:XXXX, the solicited-node multicast address of `a` (RFC 4291 §2.7.1): the group a
// neighbour solicitation for `a` is sent to.
Ipv6Addr solicited_node(const Ipv6Addr& a);

// 33:33 and the last 32 bits of the multicast address `group` (RFC 2464 §7).
Mac multicast_mac(const Ipv6Addr& group);

// ff02::1 (all nodes) and ff02::2 (all routers), RFC 4291 §2.7.1.
inline constexpr Ipv6Addr kAllNodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline constexpr Ipv6Addr kAllRouters{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

// The duplicate address detection probe for `target` (RFC 4862 §5.4.2): a neighbour solicitation
// from :: to the target's solicited-node group, hop limit 255, without a source link-layer address
// option (RFC 4861 §4.3 forbids it with an unspecified source). Returns the size written
// (kDadSolicitationSize), 0 when `out` is too small.
size_t build_dad_solicitation(const Ipv6Addr& target, std::span<uint8_t> out);

// A router solicitation (RFC 4861 §4.1, §6.3.7) from `src_link_local` to ff02::2, hop limit 255,
// with a source link-layer address option carrying `mac`; with src :: the option is left out, as
// §4.1 requires. Returns the size written, 0 when `out` is too small.
size_t build_router_solicitation(const Ipv6Addr& src_link_local, const Mac& mac, std::span<uint8_t> out);

// A neighbour solicitation or advertisement that passed the validity checks of RFC 4861 §7.1.1 or
// §7.1.2.
struct NdMessage {
  enum Type { NeighborSolicitation, NeighborAdvertisement } type = NeighborSolicitation;
  Ipv6Addr src, dst, target;
  bool solicited = false;  // NA flags (RFC 4861 §4.4), false for an NS
  bool override_ = false;
  bool router = false;
  std::optional<Mac> lla;  // NS: source link-layer address option; NA: target link-layer address
};

// Parses and validates a neighbour solicitation or advertisement (RFC 4861 §7.1.1, §7.1.2): no
// extension headers, hop limit 255, ICMPv6 code 0, a correct ICMPv6 checksum, at least 24 octets,
// a target that is not multicast, every option inside the packet and none of length 0; an NS from ::
// must go to a solicited-node group and carry no source link-layer address; an NA to a multicast
// group must not have the solicited flag. nullopt for anything else.
std::optional<NdMessage> parse_nd(std::span<const uint8_t> ipv6_packet);

// The advertisement answering `ns` when it asks for `ours` (RFC 4861 §7.2.4): from `ours` to the
// solicitation's source with the solicited flag, or to ff02::1 without it when the source is ::
// (someone's DAD: §7.2.4 says to multicast the answer); override set, router clear (the CLAT is a
// host), a target link-layer address option with `mac`, hop limit 255. nullopt when `ns` is not a
// solicitation for `ours` or `out` is too small; otherwise the size written.
std::optional<size_t> answer_solicitation(const NdMessage& ns, const Ipv6Addr& ours, const Mac& mac,
                                          std::span<uint8_t> out);

// An unsolicited advertisement of `ours` to ff02::1 (RFC 4861 §7.2.6), override set: sent after DAD
// succeeded or the link-layer address changed, so neighbours' caches learn it at once. Returns the
// size written, 0 when `out` is too small.
size_t build_unsolicited_advertisement(const Ipv6Addr& ours, const Mac& mac, std::span<uint8_t> out);

// Whether `m` shows that someone else uses or tries `tentative` (RFC 4862 §5.4.3, §5.4.4): an
// advertisement for it, or a solicitation for it from :: (another node's DAD for the same address).
// A solicitation from a unicast source is only address resolution and no conflict (§5.4.3).
bool dad_conflict(const NdMessage& m, const Ipv6Addr& tentative);

}  // namespace sixfour::clat
