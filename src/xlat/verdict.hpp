// What translating one packet produced: packets to forward in the other family, an ICMP error to send
// back in the same family, a drop with its reason (each reason has its own counter), or a packet the
// translator kept to send later (a fragment waiting for reassembly, a stored unsolicited SYN).
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sixfour::xlat {

enum class DropReason : uint8_t {
  Malformed,            // header fields inconsistent with the buffer (lengths, IHL, version)
  BadChecksum,          // IPv4 header checksum wrong
  UnsupportedProtocol,  // e.g. IPv6 ICMPv6 types with no IPv4 equivalent, IGMP, ... (RFC 7915 says "silently drop")
  UntranslatableIcmp,   // ICMP type/code that RFC 7915 says to drop (e.g. MLD, ND, router adv., ICMPv4 source quench)
  SrcUntranslatable,
  DstUntranslatable,
  Prohibited,
  TtlExpired,    // TTL / hop limit reached zero (an ICMP Time Exceeded may have been sent back)
  TooBig,        // DF=1 (or IPv6) packet larger than the next MTU (a Frag Needed / PTB may have been sent back)
  SourceRouted,  // IPv4 unexpired source route option (RFC 7915 §4.1) / IPv6 routing header with segments left (§5.1)
  UdpZeroChecksum,  // IPv4 UDP checksum 0 that could not (or must not) be computed
  FragmentedIcmp,   // fragmented ICMP/ICMPv6 packets: the checksum cannot be translated (RFC 7915 §4.2 / §5.2 Note)
  InnerPacket,      // ICMP error whose inner packet cannot be translated
  Multicast,        // IPv4 multicast / broadcast destination
  NoSpace,          // output buffer too small (a bug in the caller; counted, never crashes)
  Count_
};

std::string_view name(DropReason r);  // "malformed", "bad-checksum", ... stable names used in stats output

enum class Outcome : uint8_t {
  Forward,  // `out` holds `count` packets in the other family
  Reply,    // `out` holds one ICMP error in the same family as the input, to be sent back
  Drop,     // nothing to send; `reason` says why
  Held,     // nothing to send now: the translator kept the packet (a fragment held for reassembly,
            // RFC 6146 §3.4; an unsolicited SYN stored for TCP_INCOMING_SYN, §3.5.2.2). Not a drop:
            // counted as "held"; `reason` is meaningless. The data plane writes nothing, as for Drop.
};

// Output buffer for one translation. Packets are laid out back to back in `data`; `lens[i]` is the
// length of packet i. Fragmenting an IPv4 packet with DF=0 to lowest-ipv6-mtu may produce several.
struct Output {
  static constexpr size_t kMaxPackets = 64;  // 65535 / (1280 - 48) < 64

  std::span<uint8_t> data;  // caller-provided storage: at least input length + 4096 bytes
  // Set by the caller before translating: the input is a GSO super-packet (xlat/offload.hpp) that
  // offload::classify() found to fit as one. Size checks against the MTUs, DF-by-size and
  // fragmentation are then skipped (the segments are what go on the wire, and they were checked);
  // IPv4 output gets DF=1. The translators keep it set on hairpinned re-translation.
  bool super_packet = false;
  // Set by the caller: the translator may leave the payload of packet 0 where it is in the input
  // instead of copying it (a 64 KiB super-packet's payload is then never copied; the caller writes
  // data's headers and the input's tail with one writev). Honoured only on the plain TCP/UDP path
  // (one packet out, no fragmentation); a translator that translates from a buffer of its own
  // (reassembly, hairpinning) clears it for that pass.
  bool payload_in_place = false;
  // Set by the translator (0 when it wrote everything into data): the last tail_len bytes of packet
  // 0 are not in data but are bytes [tail_from, tail_from + tail_len) of the input span, unchanged.
  // lens[0] is still the whole packet's length; data holds its first lens[0] - tail_len bytes.
  uint32_t tail_from = 0;
  uint16_t tail_len = 0;
  std::array<uint16_t, kMaxPackets> lens{};
  uint8_t count = 0;
  Outcome outcome = Outcome::Drop;
  DropReason reason = DropReason::Malformed;

  // Nothing to send, for reason `r`.
  void drop(DropReason r) {
    count = 0;
    outcome = Outcome::Drop;
    reason = r;
  }

  // Copies packet 0's tail from `in` (the span translated) into data, after its headers, so that
  // packet(0) holds it whole; afterwards tail_len is 0. False if the tail is not in `in`.
  bool materialize(std::span<const uint8_t> in) {
    if (tail_len == 0) return true;
    const size_t head = size_t{lens[0]} - tail_len;
    if (size_t{tail_from} + tail_len > in.size() || lens[0] > data.size()) return false;
    std::copy_n(in.data() + tail_from, tail_len, data.data() + head);
    tail_len = 0;
    tail_from = 0;
    return true;
  }

  // Packet i as a span into data (packet 0 whole only while tail_len is 0).
  std::span<uint8_t> packet(size_t i) {
    size_t off = 0;
    for (size_t k = 0; k < i; ++k) off += lens[k];
    return data.subspan(off, lens[i]);
  }
};

}  // namespace sixfour::xlat
