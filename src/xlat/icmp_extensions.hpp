// RFC 4884 multi-part ICMP messages as a translator sees them (RFC 7915 §4.2 and §5.2, "ICMP Error
// Payload"): where an ICMP error's "original datagram" field ends and its ICMP Extension Structure
// begins, and how the translated message is laid out so that it stays compliant.
//
// What is decided here (and why):
//  - Which errors carry a length attribute (RFC 4884 §4.1-§4.5): ICMPv4 Destination Unreachable,
//    Time Exceeded and Parameter Problem (sixth octet, 32-bit words); ICMPv6 Destination Unreachable
//    and Time Exceeded (fifth octet, 64-bit words). ICMPv6 Packet Too Big and Parameter Problem
//    have none.
//  - A length attribute is honoured only when it is consistent, as a compliant application reads it
//    (RFC 4884 §4.6 / §5): the original datagram field is at least 128 octets, and at least an
//    extension header (4 octets) follows it inside the message. Otherwise the message is read as
//    having no extension: everything after the ICMP header is quoted data, and the translation
//    carries length 0.
//  - An ICMPv4 Time Exceeded or Destination Unreachable with length 0 whose octets 128 onwards of the
//    original datagram field hold a valid extension header (version 2, checksum correct) comes from a
//    pre-RFC 4884 MPLS router (§5, "non-compliant extensions"); it is read as a 128-octet original
//    datagram plus that extension, so that the IPv6 side (where no such legacy exists) gets a
//    compliant message.
//  - The extension structure is carried byte for byte, as an opaque string (RFC 7915 §4.2/§5.2); its
//    own checksum covers only the structure, so it stays valid without being recomputed, and one
//    that was wrong stays wrong for the receiver to judge (RFC 4884 §7).
//  - Translated, the original datagram field is zero padded to the word of the outgoing family and
//    to 128 octets (§4.6), and cut (never the extension) to keep the whole error within 1280 octets
//    (ICMPv6, RFC 4443 §2.4 (c)) or 576 (ICMPv4, RFC 1812 §4.3.2.3). An extension that cannot fit
//    beside a 128-octet original datagram is dropped whole, length 0: a cut extension would fail its
//    checksum, so RFC 7915 §4.2's "simply truncated" is read as truncating the message before it.
//  - An error that becomes a type without a length attribute (ICMPv4 Fragmentation Needed -> Packet
//    Too Big, Protocol Unreachable or Parameter Problem -> Parameter Problem) loses its extension.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace sixfour::xlat::icmpext {

// RFC 4884 §4.6: the original datagram field of a message with extensions has at least this many
// octets.
inline constexpr size_t kMinOriginal = 128;
// RFC 4884 §7: the extension header (version, reserved, checksum).
inline constexpr size_t kHeaderLen = 4;
// RFC 4884 §8: each object's header (length, Class-Num, C-Type).
inline constexpr size_t kObjectHeaderLen = 4;
inline constexpr uint8_t kVersion = 2;

// The body of an ICMP error (the bytes after its 8-octet header), split in two.
struct Split {
  size_t quote_len = 0;  // the original datagram field, padding included
  size_t ext_len = 0;    // the extension structure after it; 0: none
};

// The length attribute of an incoming error in octets-per-unit terms: `attr` as read from the
// header, `unit` 4 (ICMPv4) or 8 (ICMPv6). `legacy_probe`: an ICMPv4 Time Exceeded or Destination
// Unreachable, which §5 allows to carry a non-compliant extension at octet 128 with length 0.
Split split(std::span<const uint8_t> body, uint8_t attr, size_t unit, bool legacy_probe);

// RFC 4884 §7: version 2 and a one's-complement sum over the whole structure that checks.
bool valid_structure(std::span<const uint8_t> ext);

// How the translated error is laid out. `fixed`: the octets before the original datagram field
// (outer IP header and ICMP header); `limit`: the largest error allowed; `unit`: the word of the
// outgoing length attribute; `extensible`: whether the outgoing type has one.
struct Plan {
  bool keep_ext = false;
  size_t quote_room = 0;  // at most this many octets of translated original datagram
};
Plan plan(const Split& in, size_t fixed, size_t limit, size_t unit, bool extensible);

// The original datagram field of `n` translated octets once padded: a whole number of `unit`s and at
// least kMinOriginal.
size_t padded(size_t n, size_t unit);

}  // namespace sixfour::xlat::icmpext
