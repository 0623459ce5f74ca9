// ICMPv6 errors the translator emits itself on the IPv6 side (RFC 7915 §5.4, RFC 4443), and the
// IPv6 extension-header walk (RFC 8200 §4) that both the error builder and the IPv6 -> IPv4
// translation use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "addr/ip.hpp"

namespace sixfour::xlat {

namespace icmp6 {
inline constexpr uint8_t kDestUnreach = 1;
inline constexpr uint8_t kPacketTooBig = 2;
inline constexpr uint8_t kTimeExceeded = 3;
inline constexpr uint8_t kParamProblem = 4;
inline constexpr uint8_t kEchoRequest = 128;
inline constexpr uint8_t kEchoReply = 129;
}  // namespace icmp6

// Where the upper layer of an IPv6 packet starts, and what the extension headers before it said.
struct Ipv6Chain {
  size_t l4_off = 40;  // offset of the upper-layer header (or of a non-first fragment's data)
  uint8_t proto = 0;   // upper-layer protocol: the last Next Header of the chain
  bool has_frag = false;
  uint32_t frag_id = 0;
  uint16_t frag_offset = 0;      // in 8-octet units, as in the Fragment header
  bool frag_more = false;        // M flag
  bool routing_pending = false;  // a Routing header with Segments Left != 0 (RFC 7915 §5.1)
  size_t segments_left_off = 0;  // offset of that header's Segments Left octet from the IPv6 header
  size_t next_header_off = 6;    // offset of the Next Header octet that names `proto` (RFC 4443 §3.4 pointer)

  bool is_fragment() const { return has_frag && (frag_offset != 0 || frag_more); }
  bool first_fragment() const { return !has_frag || frag_offset == 0; }
};

enum class ChainStatus : uint8_t {
  Ok,
  Truncated,         // an extension header runs past `pkt`
  Malformed,         // Hop-by-Hop not first, two Fragment headers, ...
  ExtAfterFragment,  // RFC 7915 §5.1.1: the Fragment header's Next Header is an extension header
};

// Walks the extension headers of `pkt` (an IPv6 packet, at least 40 bytes, already clipped to its
// payload length). Hop-by-Hop, Routing and Destination Options are skipped (RFC 7915 §5.1); the
// Fragment header is recorded; anything else ends the chain. A non-first fragment's chain ends right
// after its Fragment header (RFC 8200 §4.5: what follows is not headers).
ChainStatus walk_ipv6_chain(std::span<const uint8_t> pkt, Ipv6Chain& chain);

// Builds, into `out`, the ICMPv6 error the translator sends back about `orig` (the IPv6 packet as
// received, clipped to its payload length): source `self6`, destination orig's source, Hop Limit 64,
// the 32-bit `param` (MTU for Packet Too Big, pointer for Parameter Problem, else zero), and as much
// of `orig` as fits in 1280 bytes (RFC 4443 §2.4 (c)). The ICMPv6 checksum covers the pseudo-header.
// Returns the length written, or 0 when no error may be sent (RFC 4443 §2.4 (e)): orig is an ICMPv6
// error or a non-first fragment, its source is multicast or unspecified, or `out` is too small.
size_t build_icmpv6_error(std::span<const uint8_t> orig, uint8_t type, uint8_t code, uint32_t param,
                          const Ipv6Addr& self6, std::span<uint8_t> out);

// The IPv6 counterpart of icmpv4::restore_quoted_ttl: the hop limit of the packet quoted in `error`
// (an ICMPv6 error built above) gets back the kernel's decrement when hop_change > 0 (issue 16);
// the ICMPv6 checksum follows (RFC 1624).
void restore_quoted_hop_limit(std::span<uint8_t> error, int8_t hop_change);

}  // namespace sixfour::xlat
