// The translator's own ICMPv4 errors (RFC 7915 §4.4, RFC 1812 §4.3.2).
#include "xlat/icmpv4_errors.hpp"

#include <gtest/gtest.h>

#include "packet_builder.hpp"

using namespace v4to6test;
namespace icmpv4 = sixfour::xlat::icmpv4;

namespace {
const A4 kS{198, 51, 100, 20};
const A4 kD{203, 0, 113, 30};
const sixfour::Ipv4Addr kSelf{{192, 0, 2, 254}};
}  // namespace

TEST(Icmpv4Errors, FragmentationNeededBytes) {
  const Bytes off = ipv4(6, kS, kD, tcp(kS, kD, 1, 2, pattern(10)), {.ttl = 5, .df = true});
  Bytes o(600);
  const size_t n = icmpv4::build_error(off, 3, 4, 1480, kSelf, o);
  ASSERT_EQ(n, 28 + off.size());
  o.resize(n);
  const Bytes expected_hdr{0x45, 0xc0, 0, static_cast<uint8_t>(n), 0, 0, 0, 0, 64, 1};
  for (size_t i = 0; i < expected_hdr.size(); ++i) EXPECT_EQ(o[i], expected_hdr[i]) << i;
  EXPECT_TRUE(v4_header_checksum_ok(o));
  EXPECT_EQ((A4{o[12], o[13], o[14], o[15]}), kSelf.b);
  EXPECT_EQ((A4{o[16], o[17], o[18], o[19]}), kS);
  EXPECT_EQ(o[20], 3);
  EXPECT_EQ(o[21], 4);
  EXPECT_EQ(rd16(o, 24), 0) << "unused";
  EXPECT_EQ(rd16(o, 26), 1480) << "next-hop MTU (RFC 1191)";
  EXPECT_EQ(raw_sum(std::span(o).subspan(20)), 0xffffu);
  EXPECT_TRUE(std::equal(off.begin(), off.end(), o.begin() + 28));
}

TEST(Icmpv4Errors, QuoteFitsIn576) {
  const Bytes off = ipv4(17, kS, kD, udp(kS, kD, 1, 2, pattern(1400)));
  Bytes o(2000);
  EXPECT_EQ(icmpv4::build_error(off, 11, 0, 0, kSelf, o), 576u);
  EXPECT_EQ(rd16(o, 2), 576);
  EXPECT_EQ(raw_sum(std::span(o).subspan(20, 556)), 0xffffu);
}

TEST(Icmpv4Errors, TooSmallBuffer) {
  const Bytes off = ipv4(17, kS, kD, udp(kS, kD, 1, 2, pattern(100)));
  Bytes o(50);
  EXPECT_EQ(icmpv4::build_error(off, 11, 0, 0, kSelf, o), 0u);
}

// RFC 1812 §4.3.2.7.
TEST(Icmpv4Errors, WhenNotToSend) {
  EXPECT_TRUE(icmpv4::may_send_error_about(ipv4(1, kS, kD, icmp4(8, 0, 0, pattern(8)))));
  EXPECT_TRUE(icmpv4::may_send_error_about(ipv4(17, kS, kD, pattern(8), {.mf = true})));
  for (uint8_t t : {3, 4, 5, 11, 12}) {
    EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(1, kS, kD, icmp4(t, 0, 0, pattern(28))))) << int(t);
  }
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, kS, kD, pattern(8), {.frag_off = 1})));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, A4{0, 0, 0, 0}, kD, pattern(8))));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, A4{127, 0, 0, 1}, kD, pattern(8))));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, A4{224, 1, 2, 3}, kD, pattern(8))));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, A4{255, 255, 255, 255}, kD, pattern(8))));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(17, kS, A4{224, 0, 0, 1}, pattern(8))));
  EXPECT_FALSE(icmpv4::may_send_error_about(ipv4(1, kS, kD, Bytes{})));  // ICMP type unknown
  EXPECT_FALSE(icmpv4::may_send_error_about(Bytes{0x45, 0}));
}
