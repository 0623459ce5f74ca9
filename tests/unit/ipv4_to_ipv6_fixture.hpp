// Shared by the ipv4_to_ipv6 tests: a tiny mapper (IPv4 address embedded in 2001:db8:64::/96, both
// source and destination) with knobs for statuses and port rewriting, and a fixture that owns the
// output buffer.
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "packet_builder.hpp"
#include "xlat/ipv4_to_ipv6.hpp"

namespace v4to6test {

inline A6 embed(const A4& a) { return {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64, 0, 0, 0, 0, 0, 0, a[0], a[1], a[2], a[3]}; }

class TestMapper : public sixfour::xlat::Mapper {
 public:
  sixfour::xlat::MapStatus outer = sixfour::xlat::MapStatus::Ok;
  sixfour::xlat::MapStatus error_outer = sixfour::xlat::MapStatus::Ok;
  sixfour::xlat::MapStatus inner = sixfour::xlat::MapStatus::Ok;
  // Added to the source port (echo id) of outer packets and to the destination port of inner
  // packets, as a stateful NAT64 would (the inner packet travels the other way).
  uint16_t port_delta = 0;
  int calls = 0;
  std::vector<sixfour::xlat::Flow4> seen;
  std::vector<sixfour::xlat::Part> parts;

  sixfour::xlat::MapStatus map_4to6(const sixfour::xlat::Flow4& in, sixfour::xlat::Part part,
                                    sixfour::xlat::Flow6& out) override {
    ++calls;
    seen.push_back(in);
    parts.push_back(part);
    using sixfour::xlat::Part;
    const auto st = part == Part::Outer ? outer : part == Part::Inner ? inner : error_outer;
    if (st != sixfour::xlat::MapStatus::Ok) return st;
    out.src.b = embed(in.src.b);
    out.dst.b = embed(in.dst.b);
    out.sport = in.sport;
    out.dport = in.dport;
    if (part == Part::Inner) {
      out.dport = static_cast<uint16_t>(in.dport + port_delta);
      if (in.proto == 1) out.sport = out.dport;  // echo: one identifier
    } else {
      out.sport = static_cast<uint16_t>(in.sport + port_delta);
      if (in.proto == 1) out.dport = out.sport;
    }
    return sixfour::xlat::MapStatus::Ok;
  }
  sixfour::xlat::MapStatus map_6to4(const sixfour::xlat::Flow6&, sixfour::xlat::Part, sixfour::xlat::Flow4&) override {
    return sixfour::xlat::MapStatus::SrcUntranslatable;
  }
};

// Documentation addresses (RFC 5737).
inline const A4 kSrc4{198, 51, 100, 7};
inline const A4 kDst4{203, 0, 113, 9};
inline const A4 kRouter4{192, 0, 2, 1};

class V4to6 : public ::testing::Test {
 protected:
  sixfour::xlat::Config cfg;
  TestMapper mapper;
  std::vector<uint8_t> buf;
  sixfour::xlat::Output out;

  void run(std::span<const uint8_t> in) {
    buf.assign(in.size() + 4096, 0xEE);
    out = {};
    out.data = buf;
    sixfour::xlat::ipv4_to_ipv6(in, cfg, mapper, out);
  }
  std::span<uint8_t> pkt(size_t i = 0) { return out.packet(i); }

  void expect_drop(sixfour::xlat::DropReason r) {
    EXPECT_EQ(out.outcome, sixfour::xlat::Outcome::Drop);
    EXPECT_EQ(out.reason, r) << sixfour::xlat::name(out.reason);
    EXPECT_EQ(out.count, 0);
  }
};

// Asserts the IPv6 fixed header field by field (RFC 8200 §3).
inline void expect_v6_header(std::span<const uint8_t> p, uint8_t tc, uint16_t payload_len, uint8_t next, uint8_t hop,
                             const A6& src, const A6& dst) {
  ASSERT_GE(p.size(), 40u);
  EXPECT_EQ(p[0] >> 4, 6) << "version";
  EXPECT_EQ(((p[0] & 0xf) << 4) | (p[1] >> 4), tc) << "traffic class";
  EXPECT_EQ(((p[1] & 0xf) << 16) | (p[2] << 8) | p[3], 0) << "flow label";
  EXPECT_EQ(rd16(p, 4), payload_len) << "payload length";
  EXPECT_EQ(p[6], next) << "next header";
  EXPECT_EQ(p[7], hop) << "hop limit";
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(p[8 + i], src[i]) << "source byte " << i;
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(p[24 + i], dst[i]) << "destination byte " << i;
}

}  // namespace v4to6test
