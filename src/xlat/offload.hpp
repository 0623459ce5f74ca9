// Segmentation and checksum offload metadata (the virtio-net header a TUN device opened with
// IFF_VNET_HDR puts before every packet), and how it is translated together with the IP header.
//
// With TUNSETOFFLOAD the kernel hands the translator GSO/GRO "super-packets": one IP header and one
// TCP/UDP header in front of up to 64 KiB of payload that stands for many wire segments of
// `gso_size` payload bytes each, with the L4 checksum left partial (NEEDS_CSUM: the checksum field
// holds only the folded pseudo-header sum, uncomplemented, over the whole L4 length; whoever finally
// segments or transmits the packet sums the rest from `csum_start`). Translating such a packet means
// translating its headers once, then fixing the virtio-net header for the other family:
//   gso_type TCPV6 <-> TCPV4 (UDP_L4 stays), csum_start and hdr_len moved by the header size
//   difference, and the partial checksum field recomputed as the new family's pseudo-header sum
//   (the ports a NAT64 rewrites are payload from the checksum's point of view: whoever completes
//   the sum reads them from the packet, so they need no adjustment).
// Anything the fast path cannot carry exactly (a segment that would exceed the next MTU, a segment
// small enough that RFC 7915 §5.1 wants DF=0, an IPv4 super-packet that would not fit 65535 bytes,
// ICMP, fragments) is split into ordinary packets here (software GSO) and translated one by one, so
// ICMP errors, PMTUD and fragmentation behave exactly as without offloads.
//
// Pure logic: no I/O. The daemons' TUN loops (src/io) call these around xlat::ipv4_to_ipv6 /
// ipv6_to_ipv4 (via siit::Translator / nat64::Translator).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "xlat/config.hpp"

namespace sixfour::xlat::offload {

// The header sizes and UDP numbers offload.cpp and udp_coalescer.cpp read packets by.
namespace wire {
inline constexpr uint8_t kUdp = 17;
inline constexpr size_t kIpv4Hdr = 20, kIpv6Hdr = 40;  // without options / extension headers
inline constexpr size_t kUdpHdr = 8, kUdpCsumOff = 6;
}  // namespace wire

// struct virtio_net_hdr (legacy layout, 10 bytes; TUN uses the host's byte order unless told
// otherwise with TUNSETVNETBE/LE, which we never do).
constexpr size_t kVnetHdrLen = 10;

constexpr uint8_t kFlagNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kFlagDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID (checksum already verified)

constexpr uint8_t kGsoNone = 0;    // VIRTIO_NET_HDR_GSO_NONE
constexpr uint8_t kGsoTcpV4 = 1;   // VIRTIO_NET_HDR_GSO_TCPV4
constexpr uint8_t kGsoUdp = 3;     // VIRTIO_NET_HDR_GSO_UDP (UFO: IP fragmentation; never enabled)
constexpr uint8_t kGsoTcpV6 = 4;   // VIRTIO_NET_HDR_GSO_TCPV6
constexpr uint8_t kGsoUdpL4 = 5;   // VIRTIO_NET_HDR_GSO_UDP_L4 (USO, either family)
constexpr uint8_t kGsoEcn = 0x80;  // VIRTIO_NET_HDR_GSO_ECN (or-ed into gso_type; kept as is)

struct VnetHdr {
  uint8_t flags = 0;
  uint8_t gso_type = kGsoNone;
  uint16_t hdr_len = 0;      // bytes of headers (IP + L4) before the segmented payload
  uint16_t gso_size = 0;     // payload bytes per segment
  uint16_t csum_start = 0;   // offset from the start of the IP header where checksumming starts
  uint16_t csum_offset = 0;  // offset of the checksum field from csum_start
};

VnetHdr parse(const uint8_t* p);           // reads kVnetHdrLen bytes
void store(const VnetHdr& h, uint8_t* p);  // writes kVnetHdrLen bytes

// What to do with a packet read from the TUN (`pkt` starts at the IP header, `h` is its header).
enum class Path : uint8_t {
  Plain,           // no offload metadata that matters: translate as is
  FinishChecksum,  // not a super-packet, but its checksum is partial: finish_checksum(), then Plain
  Super,           // translate once with Output::super_packet set, then after_translation()
  Segment,         // segment() into ordinary packets and translate each as Plain
  Drop,            // inconsistent metadata (counted as malformed)
};

// Decides the path. `cfg` gives the MTUs: a super-packet takes the fast path only when every
// translated segment fits the next hop as RFC 7915 would send it unsegmented:
//   IPv4 -> IPv6: segment + 20 (IPv6 header minus IPv4 header) <= cfg.mtu6, and, for DF=0,
//                 <= cfg.lowest_ipv6_mtu (IPv4 options are not counted: RFC 7915 §4.1 drops them);
//   IPv6 -> IPv4: 1260 < segment - 20 - extension headers <= cfg.mtu4 (<= 1260 gets DF=0, §5.1),
//                 and the whole translated super-packet <= 65535 bytes.
// TCP and UDP only (gso_type must agree with the IP version and protocol), no fragments. A GSO packet
// whose payload fits one segment is no super-packet (as in the kernel): FinishChecksum or Plain. UFO
// (kGsoUdp, never enabled) and any other inconsistency: Drop.
Path classify(std::span<const uint8_t> pkt, const VnetHdr& h, const Config& cfg);

// Completes a partial checksum in place: sums pkt[csum_start..end), stores the result at
// csum_start + csum_offset. false if the offsets are outside the packet or csum_start lies inside
// the IP header.
bool finish_checksum(std::span<uint8_t> pkt, const VnetHdr& h);

// Software GSO: splits the super-packet into ordinary packets with complete checksums, written back
// to back into `out` with their lengths in `lens` (like xlat::Output). TCP: sequence numbers advance
// by gso_size per segment, FIN/PSH only on the last segment, CWR only on the first; UDP: each
// segment its own UDP header and length. IPv4: total length, header checksum, and an Identification
// that increments per segment; IPv6: payload length. Returns the number of packets, 0 if the
// packet is malformed, or more segments than lens.size() or bytes than out.size() would be needed.
size_t segment(std::span<const uint8_t> pkt, const VnetHdr& h, std::span<uint8_t> out, std::span<uint16_t> lens);

// After a Super packet was translated into `out_pkt` (one packet, the other family): returns the
// virtio-net header to write with it (gso_type for the new family, csum_start at the new L4 offset,
// hdr_len moved by the same amount, gso_size and csum_offset unchanged, NEEDS_CSUM) and rewrites the
// L4 checksum field of `out_pkt` as the new pseudo-header sum. false if out_pkt is not a TCP/UDP
// packet of the expected shape (the caller then drops it, counted). Two shapes besides "the other
// family" occur and are handled: after hairpinning (RFC 7757 §4, RFC 6146 §3.8) the packet is in the
// input's family again (gso_type etc. follow the packet actually produced), and a hairpinned packet
// can come back as an ICMP error (TTL expired in the second pass): then true with a zero header
// (no offload; the error is a complete ordinary packet).
bool after_translation(const VnetHdr& in, std::span<uint8_t> out_pkt, VnetHdr& out);
// The same for a packet of `total` bytes of which `head` holds only the first ones (its IP header
// and at least the fixed part of its TCP/UDP header: Output::payload_in_place left the rest in the
// input). Only header bytes are read and written.
bool after_translation(const VnetHdr& in, std::span<uint8_t> head, size_t total, VnetHdr& out);

}  // namespace sixfour::xlat::offload
