// Response-rate limiting of the DNS64 server (dns64/rate_limit.hpp): a token bucket per client
// prefix, driven by a fake clock; over the limit, drops with every slip-th answered TC=1.
#include "dns64/rate_limit.hpp"

#include <gtest/gtest.h>

using namespace sixfour;
using namespace sixfour::dns64;
using V = ResponseRateLimit::Verdict;

namespace {

Endpoint ep(const char* text) { return parse_endpoint(text).value(); }

TEST(Dns64RateLimit, PrefixesAreSlash24AndSlash56ByDefault) {
  const RateLimitSettings s;
  EXPECT_EQ(client_prefix(ep("192.0.2.7"), s), client_prefix(ep("192.0.2.200"), s));
  EXPECT_NE(client_prefix(ep("192.0.2.7"), s), client_prefix(ep("192.0.3.7"), s));
  EXPECT_EQ(client_prefix(ep("[2001:db8:0:ff::1]"), s), client_prefix(ep("[2001:db8:0:1::9]"), s));
  EXPECT_NE(client_prefix(ep("[2001:db8:0:1ff::1]"), s), client_prefix(ep("[2001:db8:0:2ff::1]"), s));
  // An IPv4 client on a dual-stack socket is the IPv4 client.
  EXPECT_EQ(client_prefix(ep("[::ffff:192.0.2.9]"), s), client_prefix(ep("192.0.2.1"), s));
  RateLimitSettings narrow;
  narrow.ipv4_prefix = 32;
  narrow.ipv6_prefix = 64;
  EXPECT_NE(client_prefix(ep("192.0.2.7"), narrow), client_prefix(ep("192.0.2.8"), narrow));
  EXPECT_NE(client_prefix(ep("[2001:db8:0:ff::1]"), narrow), client_prefix(ep("[2001:db8:0:fe::1]"), narrow));
}

TEST(Dns64RateLimit, OffByDefault) {
  ResponseRateLimit off;
  EXPECT_TRUE(off.off());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(off.check(ep("192.0.2.1"), 0), V::Answer);
}

// 5 a second: a burst of 5, then one every 200 ms; over it, every 2nd slips; another prefix is
// untouched all along.
TEST(Dns64RateLimit, HoldsEachPrefixToTheRateAndSlips) {
  ResponseRateLimit l({.per_second = 5, .slip = 2}, 99);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.check(ep("192.0.2.1"), 1000), V::Answer) << i;
  EXPECT_EQ(l.check(ep("192.0.2.2"), 1000), V::Drop);  // same /24
  EXPECT_EQ(l.check(ep("192.0.2.1"), 1000), V::Slip);
  EXPECT_EQ(l.check(ep("192.0.2.1"), 1100), V::Drop);
  EXPECT_EQ(l.check(ep("192.0.2.1"), 1200), V::Answer);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.check(ep("198.51.100.1"), 1200), V::Answer) << i;
  // A second later the bucket is full again.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.check(ep("192.0.2.1"), 2200), V::Answer) << i;
  EXPECT_NE(l.check(ep("192.0.2.1"), 2200), V::Answer);
}

TEST(Dns64RateLimit, SlipZeroDropsAllSlipOneTruncatesAll) {
  ResponseRateLimit drop({.per_second = 1, .slip = 0}, 1), trunc({.per_second = 1, .slip = 1}, 1);
  EXPECT_EQ(drop.check(ep("192.0.2.1"), 0), V::Answer);
  EXPECT_EQ(trunc.check(ep("192.0.2.1"), 0), V::Answer);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(drop.check(ep("192.0.2.1"), 0), V::Drop);
    EXPECT_EQ(trunc.check(ep("192.0.2.1"), 0), V::Slip);
  }
}

// Over the limit in total: answers a second stay at the rate over 10 s of a flood at 1000/s.
TEST(Dns64RateLimit, FloodIsHeldToTheRate) {
  ResponseRateLimit l({.per_second = 20, .slip = 0}, 5);
  int answered = 0;
  for (uint64_t ms = 0; ms < 10000; ++ms) answered += l.check(ep("[2001:db8::1]"), ms) == V::Answer;
  EXPECT_GE(answered, 20 * 10);
  EXPECT_LE(answered, 20 * 10 + 20);
}

TEST(Dns64RateLimit, Config) {
  Defaults d;
  d.upstreams = {ep("192.0.2.53")};
  ConfigInput in;
  auto c = validate(in, d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rate_limit, 0u);
  EXPECT_EQ(c->rate_limit_slip, 2u);
  EXPECT_EQ(c->rate_limit_ipv4_prefix, 24);
  EXPECT_EQ(c->rate_limit_ipv6_prefix, 56);
  in.rate_limit.set("50");
  in.rate_limit_ipv6_prefix.set("48");
  c = validate(in, d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rate_limit, 50u);
  EXPECT_EQ(c->rate_limit_ipv6_prefix, 48);
  in.rate_limit_ipv4_prefix.set("33");
  auto bad = validate(in, d);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("rate-limit-ipv4-prefix"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("must be a number from 8 to 32"), std::string::npos) << bad.error();
}

}  // namespace
