// RFC 4884 multi-part ICMP errors through the translation (RFC 7915 §4.2 and §5.2, "ICMP Error
// Payload"), both directions, byte for byte: every expected packet is built here from its fields, with
// the test helpers' own checksum code, and compared whole with what the translator wrote.
#include <gtest/gtest.h>

#include <string>

#include "ipv4_to_ipv6_fixture.hpp"
#include "nat64_fixture.hpp"
#include "packet_builder6.hpp"
#include "xlat/icmp_extensions.hpp"

namespace ext = sixfour::xlat::icmpext;
using sixfour::xlat::Outcome;
using Bytes = std::vector<uint8_t>;
using v4to6test::A4;

namespace {

// ---- RFC 4884 §7-§8 extension structures ------------------------------------------------------

// An extension object (§8): Length (header included), Class-Num, C-Type, payload.
Bytes object(uint8_t class_num, uint8_t c_type, const Bytes& payload) {
  Bytes o(4 + payload.size());
  v4to6test::wr16(o, 0, static_cast<uint16_t>(o.size()));
  o[2] = class_num;
  o[3] = c_type;
  std::copy(payload.begin(), payload.end(), o.begin() + 4);
  return o;
}

// The extension structure (§7): version 2, reserved, checksum over the whole structure.
Bytes structure(const std::vector<Bytes>& objects, bool bad_checksum = false) {
  Bytes e{0x20, 0x00, 0x00, 0x00};
  for (const Bytes& o : objects) e.insert(e.end(), o.begin(), o.end());
  v4to6test::wr16(e, 2, static_cast<uint16_t>(v4to6test::cksum(e) ^ (bad_checksum ? 0x0101 : 0)));
  return e;
}

// RFC 4950: the MPLS Label Stack object (Class-Num 1, C-Type 1), one entry: label 16018, TC 0, S=1,
// TTL 1, as an LSR whose TTL expired reports it.
Bytes mpls_labels() { return structure({object(1, 1, {0x03, 0xe9, 0x21, 0x01})}); }

// RFC 5837: an Interface Information object (Class-Num 2) for the incoming interface (role 0) with
// ifIndex, IP address, name and MTU present (C-Type 0b00001111).
Bytes interface_info(bool bad_checksum = false) {
  Bytes p{0, 0, 0, 5};                                  // ifIndex 5
  p.insert(p.end(), {0, 1, 0, 0, 192, 0, 2, 1});        // AFI 1 (IPv4), reserved, 192.0.2.1
  p.insert(p.end(), {8, 'e', 't', 'h', '0', 0, 0, 0});  // name sub-object: length 8, "eth0", padding
  p.insert(p.end(), {0, 0, 0x05, 0xdc});                // MTU 1500
  return structure({object(2, 0x0f, p)}, bad_checksum);
}

// An extension structure of exactly `n` octets (one opaque object of Class-Num 0xf0).
Bytes sized_structure(size_t n) { return structure({object(0xf0, 1, pb6::pattern(n - 8, 0x61))}); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}
Bytes zeros(size_t n) { return Bytes(n, 0); }
Bytes first(const Bytes& b, size_t n) { return Bytes(b.begin(), b.begin() + static_cast<ptrdiff_t>(n)); }

// ---- ICMPv6 -> ICMPv4 --------------------------------------------------------------------------

// The UDP packet from the IPv4 host (2001:db8:64::c000:201) to the IPv6 client that an IPv6 router
// quotes, with `n` data octets, and the same packet as its translation quotes it (RFC 7915 §5.3:
// 192.0.2.1 -> 198.51.100.5, Traffic Class -> TOS, Hop Limit kept, UDP checksum for IPv4).
Bytes quoted6(size_t n) {
  Bytes p =
      pb6::ipv6({0x28, 0, 50, "2001:db8:64::c000:201", "2001:db8:1::5"}, 17, pb6::udp(53, 40000, pb6::pattern(n)));
  pb6::fill_checksum6(p, 40, 17, 6);
  return p;
}
Bytes quoted6_as_v4(size_t n) {
  const A4 s{192, 0, 2, 1}, d{198, 51, 100, 5};
  return v4to6test::ipv4(17, s, d, v4to6test::udp(s, d, 53, 40000, pb6::pattern(n)), {.tos = 0x28, .ttl = 50, .id = 0});
}

// The ICMPv6 error the client's router sends to the IPv4 host; `word` is the 32 bits after the
// checksum (the length attribute is its first octet).
Bytes error6(uint8_t type, uint8_t code, uint32_t word, const Bytes& body) {
  Bytes p = pb6::ipv6({0, 0, 64, "2001:db8:1::5", "2001:db8:64::c000:201"}, 58, pb6::icmp6(type, code, word, body));
  pb6::fill_checksum6(p, 40, 58, 2);
  return p;
}

// Translates `in` and expects one ICMPv4 error equal to `type`/`code`/`word` around `body`, from
// 198.51.100.5 to 192.0.2.1, TTL 63, DF clear; the Identification is the translator's choice.
void expect_error4(const Bytes& in, uint8_t type, uint8_t code, uint32_t word, const Bytes& body) {
  pb6::TestMapper m;
  const pb6::Xlat6 r = pb6::run6(in, pb6::test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& got = r.pkts[0];
  ASSERT_GE(got.size(), 20u);
  const Bytes want = v4to6test::ipv4(1, {198, 51, 100, 5}, {192, 0, 2, 1}, v4to6test::icmp4(type, code, word, body),
                                     {.ttl = 63, .id = pb6::rd16(got, 4)});
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);
}

}  // namespace

// Time Exceeded with an RFC 4950 MPLS label stack: a 128-octet original datagram field (16 words of
// 64 bits) shrinks by 20 when translated, is zero padded back to 128 (32 words of 32 bits), and the
// extension follows unchanged.
TEST(Rfc4884Icmp6to4, TimeExceededWithMplsLabels) {
  const Bytes e = mpls_labels();
  const Bytes in = error6(3, 0, 16u << 24, cat({quoted6(80), e}));
  expect_error4(in, 11, 0, 32u << 16, cat({quoted6_as_v4(80), zeros(20), e}));
}

// Destination Unreachable (port) with RFC 5837 interface information, an original datagram field
// longer than 128 octets: 248 octets (31 words) become 228 (57 words), already 32-bit aligned.
TEST(Rfc4884Icmp6to4, DestUnreachableWithInterfaceInformation) {
  const Bytes e = interface_info();
  const Bytes in = error6(1, 4, 31u << 24, cat({quoted6(200), e}));
  expect_error4(in, 3, 3, 57u << 16, cat({quoted6_as_v4(200), e}));
}

// The original datagram field was zero padded by the sender: the padding is not translated as part of
// the packet, and the field is padded afresh to 128 octets.
TEST(Rfc4884Icmp6to4, ShortOriginalDatagramPaddedTo128) {
  const Bytes e = mpls_labels();
  const Bytes in = error6(3, 0, 16u << 24, cat({quoted6(20), zeros(60), e}));
  expect_error4(in, 11, 0, 32u << 16, cat({quoted6_as_v4(20), zeros(80), e}));
}

// 576 octets at most (RFC 1812 §4.3.2.3): the original datagram gives way, the extension does not;
// 576 - 28 - 12 = 536 octets of original datagram, 134 words.
TEST(Rfc4884Icmp6to4, LongOriginalDatagramCutToKeepExtension) {
  const Bytes e = mpls_labels();
  const Bytes in = error6(3, 0, 81u << 24, cat({quoted6(600), e}));
  expect_error4(in, 11, 0, 134u << 16, cat({first(quoted6_as_v4(600), 536), e}));
}

// An extension that leaves no room for a 128-octet original datagram within 576 octets is dropped
// whole (length 0); one octet-word less would have been kept (the boundary case).
TEST(Rfc4884Icmp6to4, ExtensionTooLargeForLimitDropped) {
  const Bytes fits = sized_structure(576 - 28 - 128);
  expect_error4(error6(3, 0, 16u << 24, cat({quoted6(80), fits})), 11, 0, 32u << 16,
                cat({quoted6_as_v4(80), zeros(20), fits}));
  const Bytes big = sized_structure(576 - 28 - 128 + 4);
  expect_error4(error6(3, 0, 16u << 24, cat({quoted6(80), big})), 11, 0, 0, quoted6_as_v4(80));
}

// A length attribute a compliant receiver cannot use (RFC 4884 §4.6/§5): past the end of the message,
// or fewer than 128 octets. The message is read as having no extension: the whole body is the quote
// (whose translation stops at the quoted packet's own length) and the ICMPv4 length is 0.
TEST(Rfc4884Icmp6to4, InconsistentLengthAttributeReadAsNoExtension) {
  const Bytes e = mpls_labels();
  expect_error4(error6(3, 0, 30u << 24, cat({quoted6(80), e})), 11, 0, 0, quoted6_as_v4(80));
  expect_error4(error6(1, 4, 8u << 24, cat({quoted6(16), e})), 3, 3, 0, quoted6_as_v4(16));
  // Exactly the message's length: no room for an extension header.
  expect_error4(error6(3, 0, 16u << 24, quoted6(80)), 11, 0, 0, quoted6_as_v4(80));
}

// The extension's own checksum is not the translator's to fix (the structure is opaque, RFC 7915
// §5.2): a wrong one arrives as wrong as it left.
TEST(Rfc4884Icmp6to4, BadExtensionChecksumCarriedUnchanged) {
  const Bytes e = interface_info(/*bad_checksum=*/true);
  ASSERT_FALSE(ext::valid_structure(e));
  const Bytes in = error6(1, 0, 16u << 24, cat({quoted6(80), e}));
  expect_error4(in, 3, 1, 32u << 16, cat({quoted6_as_v4(80), zeros(20), e}));
}

// No extension, length 0: the translation is what it always was.
TEST(Rfc4884Icmp6to4, NoExtensionUnchanged) {
  expect_error4(error6(3, 1, 0, quoted6(80)), 11, 1, 0, quoted6_as_v4(80));
  expect_error4(error6(1, 3, 0, quoted6(300)), 3, 1, 0, quoted6_as_v4(300));
}

// ---- ICMPv4 -> ICMPv6 --------------------------------------------------------------------------

namespace {

// The UDP packet from 203.0.113.9 to 198.51.100.7 that router 192.0.2.1 quotes, and the same packet
// as the translation quotes it (RFC 7915 §4.3, addresses in 2001:db8:64::/96, TTL kept).
const A4 kRouter{192, 0, 2, 1}, kHost{203, 0, 113, 9}, kPeer{198, 51, 100, 7};
Bytes quoted4(size_t n) {
  return v4to6test::ipv4(17, kHost, kPeer, v4to6test::udp(kHost, kPeer, 40000, 53, pb6::pattern(n)),
                         {.ttl = 17, .id = 0x5151});
}
Bytes quoted4_as_v6(size_t n) {
  Bytes p = pb6::ipv6({0, 0, 17, "2001:db8:64::cb00:7109", "2001:db8:64::c633:6407"}, 17,
                      pb6::udp(40000, 53, pb6::pattern(n)));
  pb6::fill_checksum6(p, 40, 17, 6);
  return p;
}

// The ICMPv4 error from the router to 203.0.113.9; `rest` is the 32 bits after the checksum (the
// length attribute is its second octet).
Bytes error4(uint8_t type, uint8_t code, uint32_t rest, const Bytes& body) {
  return v4to6test::ipv4(1, kRouter, kHost, v4to6test::icmp4(type, code, rest, body));
}

class Rfc4884Icmp4to6 : public v4to6test::V4to6 {
 protected:
  // Translates `in` and expects one ICMPv6 error equal to `type`/`code`/`word` around `body`, from
  // 2001:db8:64::c000:201 to 2001:db8:64::cb00:7109, Hop Limit 63.
  void expect_error6(const Bytes& in, uint8_t type, uint8_t code, uint32_t word, const Bytes& body) {
    run(in);
    ASSERT_EQ(out.outcome, Outcome::Forward);
    ASSERT_EQ(out.count, 1);
    const auto p = pkt();
    const Bytes got(p.begin(), p.end());
    Bytes want = pb6::ipv6({0, 0, 63, "2001:db8:64::c000:201", "2001:db8:64::cb00:7109"}, 58,
                           pb6::icmp6(type, code, word, body));
    pb6::fill_checksum6(want, 40, 58, 2);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(got, want);
  }
};

}  // namespace

// Time Exceeded with MPLS labels: 128 octets (32 words of 32 bits) grow by 20 when translated to
// 148, are zero padded to 152 (19 words of 64 bits), and the extension follows unchanged.
TEST_F(Rfc4884Icmp4to6, TimeExceededWithMplsLabels) {
  const Bytes e = mpls_labels();
  expect_error6(error4(11, 0, 32u << 16, cat({quoted4(100), e})), 3, 0, 19u << 24,
                cat({quoted4_as_v6(100), zeros(4), e}));
}

// Destination Unreachable (port) with interface information, and an original datagram of 68 octets
// that the router zero padded to 128: translated to 88 octets and padded afresh to 128 (16 words).
TEST_F(Rfc4884Icmp4to6, DestUnreachableWithInterfaceInformation) {
  const Bytes e = interface_info();
  expect_error6(error4(3, 3, 32u << 16, cat({quoted4(40), zeros(60), e})), 1, 4, 16u << 24,
                cat({quoted4_as_v6(40), zeros(40), e}));
}

// 1280 octets at most: 1280 - 48 - 200 = 1032 octets of original datagram (129 words), the
// extension whole. With 204 octets of extension, 1028 is not a whole number of 64-bit words: 1024.
TEST_F(Rfc4884Icmp4to6, LongOriginalDatagramCutToKeepExtension) {
  const Bytes e = sized_structure(200);
  expect_error6(error4(11, 0, 255u << 16, cat({quoted4(992), e})), 3, 0, 129u << 24,
                cat({first(quoted4_as_v6(992), 1032), e}));
  const Bytes e2 = sized_structure(204);
  expect_error6(error4(11, 0, 255u << 16, cat({quoted4(992), e2})), 3, 0, 128u << 24,
                cat({first(quoted4_as_v6(992), 1024), e2}));
}

// An extension of 1104 octets leaves exactly 128 for the original datagram and is kept; 1108 does
// not fit and is dropped whole, length 0, the original datagram then translated as without it.
TEST_F(Rfc4884Icmp4to6, ExtensionTooLargeForLimitDropped) {
  const Bytes fits = sized_structure(1104);
  expect_error6(error4(11, 0, 32u << 16, cat({quoted4(100), fits})), 3, 0, 16u << 24,
                cat({first(quoted4_as_v6(100), 128), fits}));
  const Bytes big = sized_structure(1108);
  expect_error6(error4(11, 0, 32u << 16, cat({quoted4(100), big})), 3, 0, 0, quoted4_as_v6(100));
}

// RFC 4884 §5: a pre-RFC 4884 MPLS router sends exactly 128 octets and the extension without a length
// attribute; a valid extension header at octet 128 gives it away, and the ICMPv6 side gets a
// compliant message. Without a valid header there, the octets are quoted data as before.
TEST_F(Rfc4884Icmp4to6, NonCompliantExtensionAt128Recognised) {
  const Bytes e = mpls_labels();
  expect_error6(error4(11, 0, 0, cat({quoted4(100), e})), 3, 0, 19u << 24, cat({quoted4_as_v6(100), zeros(4), e}));
  Bytes bad = e;
  bad[7] ^= 1;  // the object's C-Type: the structure's checksum no longer matches
  expect_error6(error4(11, 0, 0, cat({quoted4(100), bad})), 3, 0, 0, cat({quoted4_as_v6(100), bad}));
}

// Inconsistent length attributes (beyond the message; fewer than 128 octets): no extension, the whole
// body quoted as without RFC 4884, length 0.
TEST_F(Rfc4884Icmp4to6, InconsistentLengthAttributeReadAsNoExtension) {
  const Bytes e = mpls_labels();
  expect_error6(error4(11, 0, 40u << 16, cat({quoted4(100), e})), 3, 0, 0, cat({quoted4_as_v6(100), e}));
  expect_error6(error4(3, 3, 16u << 16, cat({quoted4(100), e})), 1, 4, 0, cat({quoted4_as_v6(100), e}));
}

// A wrong extension checksum under a consistent length attribute: carried as it came.
TEST_F(Rfc4884Icmp4to6, BadExtensionChecksumCarriedUnchanged) {
  const Bytes e = interface_info(/*bad_checksum=*/true);
  expect_error6(error4(3, 1, 32u << 16, cat({quoted4(100), e})), 1, 0, 19u << 24,
                cat({quoted4_as_v6(100), zeros(4), e}));
}

// Errors that become types without a length attribute (Fragmentation Needed -> Packet Too Big,
// Parameter Problem -> Parameter Problem) lose the extension; the original datagram stays.
TEST_F(Rfc4884Icmp4to6, UnextensibleTypesLoseExtension) {
  const Bytes e = mpls_labels();
  expect_error6(error4(3, 4, (32u << 16) | 1400, cat({quoted4(40), zeros(60), e})), 2, 0, 1420, quoted4_as_v6(40));
  expect_error6(error4(12, 0, (9u << 24) | (32u << 16), cat({quoted4(100), e})), 4, 0, 6, quoted4_as_v6(100));
}

// No extension, length 0: unchanged.
TEST_F(Rfc4884Icmp4to6, NoExtensionUnchanged) {
  expect_error6(error4(11, 1, 0, quoted4(100)), 3, 1, 0, quoted4_as_v6(100));
  expect_error6(error4(3, 1, 0, quoted4(300)), 1, 0, 0, quoted4_as_v6(300));
}

// ---- the stateful NAT64 (same xlat functions, inner packet through the session table) -----------

// RFC 6146 §3.6 with RFC 4884: Time Exceeded from an IPv4 router about a translated datagram reaches
// the inside host quoting its original datagram, padded to 128 octets, with the MPLS labels after it.
TEST(Rfc4884Nat64, TimeExceededFromIpv4RouterKeepsExtension) {
  nat64test::Nat nat(nat64test::lab_settings());
  const auto sent = nat.run(nat64test::udp6("2001:db8:1::5", 40000, "64:ff9b::cb00:7109", 33434, {9, 9, 9, 9}));
  ASSERT_EQ(sent.outcome, Outcome::Forward);
  ASSERT_EQ(sent.pkt().size(), 32u);
  const Bytes e = mpls_labels();
  const Bytes err = v4to6test::ipv4(1, {203, 0, 113, 254}, {198, 51, 100, 1},
                                    v4to6test::icmp4(11, 0, 32u << 16, cat({sent.pkt(), zeros(96), e})));
  const auto r = nat.run(err);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p.size(), 40u + 8 + 128 + e.size());
  EXPECT_EQ(p[40], 3);
  EXPECT_EQ(p[44], 16) << "128 octets in 64-bit words";
  EXPECT_EQ(nat64test::v6at(p, 48 + 8), "2001:db8:1::5");
  EXPECT_EQ(pb6::rd16(p, 88), 40000);
  EXPECT_EQ(pb6::rd16(p, 90), 33434);
  EXPECT_EQ(Bytes(p.begin() + 48 + 52, p.begin() + 48 + 128), zeros(76));
  EXPECT_EQ(Bytes(p.begin() + 48 + 128, p.end()), e);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(p));
}

// RFC 6146 §3.8: an error about a hairpinned datagram crosses both passes (6->4, then 4->6); the
// extension survives both, the length attribute converted twice.
TEST(Rfc4884Nat64, HairpinnedErrorKeepsExtension) {
  auto s = nat64test::lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#8053,2001:db8:1::53#53").value());
  nat64test::Nat nat(s);
  const auto fwd = nat.run(nat64test::udp6("2001:db8:1::5", 40000, "64:ff9b::c633:6401", 8053));
  ASSERT_EQ(fwd.outcome, Outcome::Forward);
  ASSERT_EQ(fwd.pkt().size(), 51u);
  const Bytes e = interface_info();
  Bytes err = pb6::ipv6({.src = "2001:db8:1::53", .dst = "64:ff9b::c633:6401"}, 58,
                        pb6::icmp6(1, 4, 16u << 24, cat({fwd.pkt(), zeros(77), e})));
  pb6::fill_checksum6(err, 40, 58, 2);
  const auto r = nat.run(err);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p.size(), 40u + 8 + 128 + e.size());
  EXPECT_EQ(p[40], 1);
  EXPECT_EQ(p[41], 4);
  EXPECT_EQ(p[44], 16);
  EXPECT_EQ(nat64test::v6at(p, 48 + 8), "2001:db8:1::5");
  EXPECT_EQ(pb6::rd16(p, 88), 40000);
  EXPECT_EQ(pb6::rd16(p, 90), 8053);
  EXPECT_EQ(Bytes(p.begin() + 48 + 51, p.begin() + 48 + 128), zeros(77));
  EXPECT_EQ(Bytes(p.begin() + 48 + 128, p.end()), e);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(p));
}

// ---- the rules alone ---------------------------------------------------------------------------

TEST(Rfc4884Rules, SplitReadsTheLengthAttributeOnlyWhenConsistent) {
  const Bytes body = cat({zeros(128), mpls_labels()});  // 140 octets
  EXPECT_EQ(ext::split(body, 32, 4, false).quote_len, 128u);
  EXPECT_EQ(ext::split(body, 32, 4, false).ext_len, 12u);
  EXPECT_EQ(ext::split(body, 16, 8, false).ext_len, 12u);
  EXPECT_EQ(ext::split(body, 31, 4, false).ext_len, 0u) << "fewer than 128 octets";
  EXPECT_EQ(ext::split(body, 35, 4, false).ext_len, 0u) << "no room for an extension header";
  EXPECT_EQ(ext::split(body, 34, 4, false).ext_len, 4u) << "just a header";
  EXPECT_EQ(ext::split(body, 0, 4, false).ext_len, 0u) << "no probe unless asked";
  EXPECT_EQ(ext::split(body, 0, 4, true).ext_len, 12u) << "RFC 4884 §5 non-compliant sender";
  EXPECT_EQ(ext::split(body, 0, 4, true).quote_len, 128u);
  EXPECT_EQ(ext::split(zeros(140), 0, 4, true).ext_len, 0u) << "no valid header at 128";
  const Bytes header_only = cat({zeros(128), structure({})});
  EXPECT_EQ(ext::split(header_only, 0, 4, true).ext_len, 0u) << "a structure has at least one object";
}

TEST(Rfc4884Rules, PlanKeepsTheExtensionWholeOrNotAtAll) {
  const ext::Split s{200, 40};
  EXPECT_TRUE(ext::plan(s, 28, 576, 4, true).keep_ext);
  EXPECT_EQ(ext::plan(s, 28, 576, 4, true).quote_room, 508u);
  EXPECT_EQ(ext::plan(s, 48, 1280, 8, true).quote_room, 1192u);
  EXPECT_EQ(ext::plan({200, 44}, 48, 1280, 8, true).quote_room, 1184u) << "rounded down to 64 bits";
  EXPECT_FALSE(ext::plan(s, 48, 1280, 8, false).keep_ext) << "outgoing type without a length";
  EXPECT_EQ(ext::plan(s, 48, 1280, 8, false).quote_room, 1232u);
  EXPECT_TRUE(ext::plan({200, 420}, 28, 576, 4, true).keep_ext);
  EXPECT_FALSE(ext::plan({200, 421}, 28, 576, 4, true).keep_ext);
  EXPECT_EQ(ext::padded(20, 8), 128u);
  EXPECT_EQ(ext::padded(148, 8), 152u);
  EXPECT_EQ(ext::padded(228, 4), 228u);
}
