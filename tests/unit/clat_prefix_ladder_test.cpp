// The NAT64 prefix discovery ladder: configured > PREF64 (RFC 8781, lifetime) > RFC 7050 (each
// probed) > 64:ff9b::/96 (probed), with failed probes skipped and PREF64 changes followed.
#include "clat/prefix_ladder.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace sixfour;
using namespace sixfour::clat;
using std::chrono::seconds;

namespace {

Ipv6Prefix p6(const char* s) { return Ipv6Prefix::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }

const Ipv4Addr kProbe{{1, 1, 1, 1}};
const Clock::time_point t0{};

const Ipv6Prefix kWkp = p6("64:ff9b::/96");
const Ipv6Prefix kDns1 = p6("2001:db8:64::/96");
const Ipv6Prefix kDns2 = p6("2001:db8:100::/40");
const Ipv6Prefix kRa = p6("2001:db8:aa::/96");

// The ladder settled on `prefix` from `source`, with nothing better left to probe.
void expect_settled(const PrefixChoice& c, const Ipv6Prefix& prefix, PrefixSource source, const std::string& status) {
  ASSERT_TRUE(c.prefix.has_value());
  EXPECT_EQ(*c.prefix, prefix);
  EXPECT_EQ(c.source, source);
  EXPECT_FALSE(c.probe_next.has_value());
  EXPECT_EQ(c.status, status);
}

}  // namespace

TEST(ClatPrefixLadder, ConfiguredWinsWithoutProbe) {
  PrefixLadder l(kDns1, kProbe);
  l.pref64(kRa, seconds(600), t0);
  expect_settled(l.choose(t0), kDns1, PrefixSource::Configured, "2001:db8:64::/96 (configured)");
  EXPECT_EQ(name(PrefixSource::Configured), "configured");
}

TEST(ClatPrefixLadder, NothingLearnedProbesTheWellKnownPrefix) {
  PrefixLadder l(std::nullopt, kProbe);
  const PrefixChoice c = l.choose(t0);
  EXPECT_FALSE(c.prefix.has_value());
  ASSERT_TRUE(c.probe_next.has_value());
  EXPECT_EQ(*c.probe_next, kWkp);
  EXPECT_EQ(c.probe_address, v6("64:ff9b::101:101"));
  EXPECT_EQ(c.status, "probing 1.1.1.1 through 64:ff9b::/96");
  l.probed(kWkp, true);
  expect_settled(l.choose(t0), kWkp, PrefixSource::WellKnown, "64:ff9b::/96 (well-known, probe of 1.1.1.1 worked)");
  l.probed(kWkp, false);
  const PrefixChoice e = l.choose(t0);
  EXPECT_FALSE(e.prefix.has_value());
  EXPECT_FALSE(e.probe_next.has_value());
  EXPECT_EQ(e.status, "no NAT64 prefix works (every probe failed)");
}

TEST(ClatPrefixLadder, Pref64TrustedForItsLifetime) {
  PrefixLadder l(std::nullopt, kProbe);
  l.rfc7050(std::vector<Ipv6Prefix>{kDns1});
  l.probed(kDns1, true);
  l.pref64(kRa, seconds(600), t0);
  // A router's PREF64 is not probed.
  expect_settled(l.choose(t0 + seconds(100)), kRa, PrefixSource::Pref64,
                 "2001:db8:aa::/96 (PREF64 from router advertisements, 500 s left)");
  // Expired: down the ladder to the probed RFC 7050 prefix.
  const PrefixChoice c = l.choose(t0 + seconds(600));
  EXPECT_EQ(c.prefix, kDns1);
  EXPECT_EQ(c.source, PrefixSource::Rfc7050);
  EXPECT_EQ(name(c.source), "rfc7050");
  // Refreshed by a later RA: back.
  l.pref64(kRa, seconds(600), t0 + seconds(700));
  EXPECT_EQ(l.choose(t0 + seconds(701)).prefix, kRa);
}

TEST(ClatPrefixLadder, Pref64ChangesAreFollowed) {
  PrefixLadder l(std::nullopt, kProbe);
  l.pref64(kRa, seconds(1800), t0);
  const Ipv6Prefix next = p6("2001:db8:bb::/96");
  l.pref64(next, seconds(1800), t0 + seconds(10));  // the network moved to another NAT64
  EXPECT_EQ(l.choose(t0 + seconds(11)).prefix, next);
  EXPECT_EQ(name(l.choose(t0 + seconds(11)).source), "pref64");
  l.pref64(next, seconds(0), t0 + seconds(20));  // withdrawn (lifetime 0): the older one still runs
  EXPECT_EQ(l.choose(t0 + seconds(21)).prefix, kRa);
  l.pref64(kRa, seconds(0), t0 + seconds(30));
  EXPECT_FALSE(l.choose(t0 + seconds(31)).prefix.has_value());
}

TEST(ClatPrefixLadder, EveryRfc7050PrefixNeedsAProbe) {
  PrefixLadder l(std::nullopt, kProbe);
  const std::vector<Ipv6Prefix> found = {kDns1, kDns2};
  l.rfc7050(found);
  PrefixChoice c = l.choose(t0);
  EXPECT_FALSE(c.prefix.has_value());
  EXPECT_EQ(c.probe_next, kDns1);
  EXPECT_EQ(c.probe_address, v6("2001:db8:64::101:101"));
  l.probed(kDns1, false);  // the first one does not work: skipped
  c = l.choose(t0);
  EXPECT_EQ(c.probe_next, kDns2);
  EXPECT_EQ(c.probe_address, v6("2001:db8:101:101:1::"));  // /40: 1.1.1 before the u octet, .1 after
  l.probed(kDns2, true);
  expect_settled(l.choose(t0), kDns2, PrefixSource::Rfc7050,
                 "2001:db8:100::/40 (RFC 7050 ipv4only.arpa, probe of 1.1.1.1 worked)");
}

TEST(ClatPrefixLadder, UsesWhatWorksWhileABetterOneIsProbed) {
  PrefixLadder l(std::nullopt, kProbe);
  l.probed(kWkp, true);
  const std::vector<Ipv6Prefix> found = {kDns1};
  l.rfc7050(found);  // learned later: preferred once its probe works
  PrefixChoice c = l.choose(t0);
  EXPECT_EQ(c.prefix, kWkp);
  EXPECT_EQ(c.probe_next, kDns1);
  l.probed(kDns1, true);
  EXPECT_EQ(l.choose(t0).prefix, kDns1);
  // A new network: the probe results go, the ladder starts again.
  l.forget_probes();
  EXPECT_FALSE(l.choose(t0).prefix.has_value());
  EXPECT_EQ(l.choose(t0).probe_next, kDns1);
  // A later lookup replaces the earlier prefixes: here one whose answer carries no WKA at all.
  l.rfc7050(rfc7050::extract_prefixes(std::vector<Ipv6Addr>{v6("2001:db8::1")}));
  EXPECT_EQ(l.choose(t0).probe_next, kWkp);
}

TEST(ClatPrefixLadder, TakesTheRfc7050Result) {
  // 2001:db8:64::c000:aa is 192.0.0.170 under 2001:db8:64::/96 (RFC 7050 §3 via addr/rfc7050).
  PrefixLadder l(std::nullopt, kProbe);
  l.rfc7050(rfc7050::extract_prefixes(std::vector<Ipv6Addr>{v6("2001:db8:64::c000:aa")}));
  EXPECT_EQ(l.choose(t0).probe_next, kDns1);
}

TEST(ClatPrefixLadder, WellKnownPrefixNeedsAGlobalProbe) {
  PrefixLadder l(std::nullopt, Ipv4Addr{{203, 0, 113, 1}});  // a lab address: not global
  PrefixChoice c = l.choose(t0);
  EXPECT_FALSE(c.prefix.has_value());
  EXPECT_FALSE(c.probe_next.has_value());
  EXPECT_EQ(c.status, "no NAT64 prefix works (the well-known prefix needs a global --probe, not 203.0.113.1)");
  // A network-specific prefix from DNS can carry it.
  l.rfc7050(std::vector<Ipv6Prefix>{kDns1});
  c = l.choose(t0);
  EXPECT_EQ(c.probe_next, kDns1);
  EXPECT_EQ(c.probe_address, v6("2001:db8:64::cb00:7101"));
  EXPECT_EQ(name(PrefixSource::WellKnown), "well-known");
}
