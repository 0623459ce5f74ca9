// RFC 6146 §3.5.1.1 / RFC 6056 §3.3.3: pool4 parsing, port allocation (range, parity, shards,
// exhaustion) and its unpredictability (a distribution check, no timing).
#include <gtest/gtest.h>

#include <set>

#include "nat64/pool4.hpp"
#include "nat64/settings.hpp"

namespace {

using namespace sixfour;
using namespace sixfour::nat64;

TEST(Nat64Pool4Parse, Forms) {
  auto a = parse_pool4("198.51.100.1");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->prefix.str(), "198.51.100.1/32");
  EXPECT_EQ(a->lo, 1024);
  EXPECT_EQ(a->hi, 65535);
  auto b = parse_pool4("203.0.113.0/30:10000-20000");
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_EQ(b->prefix.len, 30);
  EXPECT_EQ(b->lo, 10000);
  EXPECT_EQ(b->hi, 20000);
  auto c = parse_pool4("198.51.100.1:0-0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->hi, 0);
}

TEST(Nat64Pool4Parse, ErrorsNameTheValue) {
  for (const char* bad : {"203.0.113.1/30", "198.51.100.1:5-3", "198.51.100.1:x-5", "198.51.100.1:1-70000",
                          "198.51.100.1:", "nonsense", "198.51.100.1:100"}) {
    auto r = parse_pool4(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().rfind(std::string("pool4 ") + bad + ":", 0), 0u) << r.error();
    EXPECT_EQ(r.error().find('\n'), std::string::npos);
  }
}

TEST(Nat64StaticParse, FormsAndErrors) {
  auto s = parse_static("tcp,198.51.100.1#8080,2001:db8:6::2#80");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->proto, 6);
  EXPECT_EQ(s->addr4.str(), "198.51.100.1");
  EXPECT_EQ(s->port4, 8080);
  EXPECT_EQ(s->addr6.str(), "2001:db8:6::2");
  EXPECT_EQ(s->port6, 80);
  EXPECT_EQ(parse_static("icmp,198.51.100.1#1,2001:db8::1#2")->proto, 58);
  EXPECT_EQ(parse_static("udp,198.51.100.1#1,2001:db8::1#2")->proto, 17);
  for (const char* bad :
       {"sctp,198.51.100.1#1,2001:db8::1#2", "tcp,198.51.100.1,2001:db8::1#2", "tcp,198.51.100.1#1,2001:db8::1#99999",
        "tcp,198.51.100.300#1,2001:db8::1#2", "tcp,198.51.100.1#1", "tcp,198.51.100.1#1,2001:db8::1#2,x"}) {
    auto r = parse_static(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().rfind(std::string("static ") + bad + ":", 0), 0u) << r.error();
  }
}

Ipv6Addr host(uint32_t i) {
  Ipv6Addr a = Ipv6Addr::parse("2001:db8:1::").value();
  a.b[12] = static_cast<uint8_t>(i >> 24);
  a.b[13] = static_cast<uint8_t>(i >> 16);
  a.b[14] = static_cast<uint8_t>(i >> 8);
  a.b[15] = static_cast<uint8_t>(i);
  return a;
}

auto none_used = [](Ipv4Addr, uint16_t) { return false; };

TEST(Nat64Pool4Alloc, KeepsRangeAndParity) {
  Pool4 pool({parse_pool4("198.51.100.1:0-65535").value()}, 1, 42);
  for (uint16_t p6 : {80, 81, 1023, 1024, 40000, 40001, 65535}) {
    auto t = pool.allocate(0, 17, host(1), p6, none_used);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->port % 2, p6 % 2) << p6;
    EXPECT_EQ(t->port < 1024, p6 < 1024) << p6;
    EXPECT_EQ(t->addr.str(), "198.51.100.1");
  }
}

TEST(Nat64Pool4Alloc, FallsBackToOtherParityThenOtherRange) {
  // Only one even port: the second even request gets the odd one; a well-known port request gets a
  // port from 1024-65535 because the pool has no low ports.
  Pool4 pool({parse_pool4("198.51.100.1:2000-2001").value()}, 1, 7);
  std::set<uint16_t> used;
  auto in_use = [&](Ipv4Addr, uint16_t p) { return used.count(p) != 0; };
  auto a = pool.allocate(0, 17, host(1), 4000, in_use);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, 2000);
  used.insert(a->port);
  auto b = pool.allocate(0, 17, host(1), 80, in_use);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 2001);
  used.insert(b->port);
  EXPECT_FALSE(pool.allocate(0, 17, host(1), 4002, in_use));  // exhausted
}

TEST(Nat64Pool4Alloc, ShardsPartitionThePorts) {
  Pool4 pool({parse_pool4("203.0.113.0/30:1024-65535").value()}, 4, 99);
  EXPECT_EQ(pool.capacity_total(), 4u * 64512);
  for (unsigned s = 0; s < 4; ++s) {
    EXPECT_EQ(pool.capacity(s), 64512u) << s;  // 4 addresses x 64512 ports / 4 shards
    for (uint32_t i = 0; i < 200; ++i) {
      auto t = pool.allocate(s, 6, host(i), static_cast<uint16_t>(1024 + i), none_used);
      ASSERT_TRUE(t);
      EXPECT_EQ(pool.shard_of(t->addr, t->port), s);
      EXPECT_TRUE(pool.contains(t->addr, t->port));
    }
  }
  // Every port of shard 1 can be handed out, then none.
  Pool4 small({parse_pool4("198.51.100.7:5000-5099").value()}, 2, 5);
  std::set<uint16_t> used;
  auto in_use = [&](Ipv4Addr, uint16_t p) { return used.count(p) != 0; };
  for (uint64_t k = 0; k < small.capacity(1); ++k) {
    auto t = small.allocate(1, 17, host(static_cast<uint32_t>(k)), 6000, in_use);
    ASSERT_TRUE(t) << k;
    EXPECT_TRUE(used.insert(t->port).second);
  }
  EXPECT_FALSE(small.allocate(1, 17, host(12345), 6000, in_use));
  EXPECT_EQ(small.capacity(0) + small.capacity(1), 100u);
}

// RFC 6056 §3.3.3: the port depends on a secret and the inside endpoint, so it cannot be predicted
// from other allocations. Checked as a distribution: many endpoints give many distinct, spread-out
// ports; another secret gives other ports.
TEST(Nat64Pool4Alloc, PortsAreSpreadAndDependOnTheSecret) {
  const auto entry = parse_pool4("198.51.100.1").value();
  Pool4 a({entry}, 1, 0x1111), b({entry}, 1, 0x2222);
  std::set<uint16_t> ports;
  size_t differ = 0, upper_half = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    auto pa = a.allocate(0, 17, host(i), 40000, none_used);
    auto pb = b.allocate(0, 17, host(i), 40000, none_used);
    ASSERT_TRUE(pa && pb);
    ports.insert(pa->port);
    differ += pa->port != pb->port;
    upper_half += pa->port >= 1024 + 64512 / 2;
  }
  EXPECT_GT(ports.size(), 950u);  // ~992 expected for 1000 draws from 32256 even ports
  EXPECT_GT(differ, 990u);
  EXPECT_GT(upper_half, 400u);
  EXPECT_LT(upper_half, 600u);
  // Same endpoint, same secret: the same first choice (stable while free).
  EXPECT_EQ(a.allocate(0, 17, host(5), 40000, none_used)->port, a.allocate(0, 17, host(5), 40000, none_used)->port);
}

TEST(Nat64Pool4Alloc, OneHostKeepsOneOutsideAddress) {
  // RFC 4787 REQ-2 "paired" pooling: all BIB entries of one inside host use the same pool4 address
  // while it has ports.
  Pool4 pool({parse_pool4("203.0.113.0/28").value()}, 1, 3);
  std::set<uint32_t> addrs;
  for (uint16_t p = 2000; p < 2100; ++p) addrs.insert(pool.allocate(0, 17, host(9), p, none_used)->addr.to_u32());
  EXPECT_EQ(addrs.size(), 1u);
}

}  // namespace
