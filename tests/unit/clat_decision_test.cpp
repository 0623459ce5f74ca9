// When the CLAT is active (RFC 6877, draft-ietf-v6ops-claton): the decision from the host's facts,
// its reasons, the route metric, and the actions a watcher's changes lead to.
#include "clat/decision.hpp"

#include <gtest/gtest.h>

using namespace sixfour;
using namespace sixfour::clat;

namespace {

Ipv6Prefix p6(const char* s) { return Ipv6Prefix::parse(s).value(); }

// An IPv6-only hotspot: wlan0 up with a SLAAC /64, no native IPv4, the NAT64 prefix known.
Facts ipv6_only() {
  Facts f;
  f.uplink = "wlan0";
  f.uplink_present = true;
  f.uplink_up = true;
  f.uplink_prefix = p6("2001:db8:1:2::/64");
  f.nat64_prefix = p6("64:ff9b::/96");
  return f;
}

using Actions = std::vector<Action>;

}  // namespace

TEST(ClatDecision, ActiveOnAnIpv6OnlyUplink) {
  const Decision d = decide(ipv6_only());
  EXPECT_EQ(d.state, State::Active);
  EXPECT_TRUE(d.active());
  EXPECT_EQ(d.metric, kRouteMetric);
  EXPECT_EQ(d.reason, "IPv6-only uplink wlan0, NAT64 prefix 64:ff9b::/96");
  EXPECT_EQ(name(d.state), "active");
}

TEST(ClatDecision, InactiveReasonsInOrder) {
  Facts f = ipv6_only();
  f.native_ipv4_metric = 100;
  EXPECT_EQ(decide(f).reason, "native IPv4 default route (metric 100): not needed (--force runs beside it)");
  f.nat64_prefix.reset();
  EXPECT_EQ(decide(f).reason, "native IPv4 default route (metric 100): not needed (--force runs beside it)");
  f.native_ipv4_metric.reset();
  EXPECT_EQ(decide(f).reason, "no working NAT64 prefix yet");
  f.uplink_prefix.reset();
  EXPECT_EQ(decide(f).reason, "uplink wlan0 has no global IPv6 address");
  f.uplink_up = false;
  EXPECT_EQ(decide(f).reason, "uplink wlan0 is down");
  f.uplink_present = false;
  EXPECT_EQ(decide(f).reason, "uplink wlan0 not present");
  f.uplink.clear();
  const Decision d = decide(f);
  EXPECT_EQ(d.reason, "no uplink: no IPv6 default route");
  EXPECT_EQ(d.state, State::Inactive);
  EXPECT_FALSE(d.active());
  EXPECT_EQ(name(d.state), "inactive");
}

TEST(ClatDecision, ForceRunsBesideNativeIpv4) {
  Facts f = ipv6_only();
  f.force = true;
  f.native_ipv4_metric = 100;
  Decision d = decide(f);
  EXPECT_EQ(d.state, State::ActiveBehindNative);
  EXPECT_EQ(d.metric, kRouteMetric);
  EXPECT_EQ(d.reason,
            "beside native IPv4 (--force): route metric 2048 above the native 100, NAT64 prefix 64:ff9b::/96");
  EXPECT_EQ(name(d.state), "active-behind-native");
  // A native route with a high metric: the CLAT's goes just above it.
  f.native_ipv4_metric = 3000;
  EXPECT_EQ(decide(f).metric, 3001u);
  f.native_ipv4_metric = 0xffffffffu;
  EXPECT_EQ(decide(f).metric, 0xffffffffu);
  // --force without native IPv4 is plain Active; without a prefix still nothing.
  f.native_ipv4_metric.reset();
  EXPECT_EQ(decide(f).state, State::Active);
  f.native_ipv4_metric = 100;
  f.nat64_prefix.reset();
  EXPECT_EQ(decide(f).reason, "no working NAT64 prefix yet");
}

TEST(ClatLifecycle, StepsAsideAndComesBack) {
  Lifecycle l;
  EXPECT_EQ(l.decision().state, State::Inactive);
  EXPECT_EQ(l.update(ipv6_only()), (Actions{Action::Activate}));
  EXPECT_EQ(l.activations(), 1u);
  EXPECT_EQ(l.update(ipv6_only()), Actions{});  // nothing changed
  Facts native = ipv6_only();
  native.native_ipv4_metric = 600;  // the user plugs in Ethernet with IPv4
  EXPECT_EQ(l.update(native), (Actions{Action::Deactivate}));
  EXPECT_EQ(l.decision().state, State::Inactive);
  EXPECT_EQ(l.update(native), Actions{});
  EXPECT_EQ(l.update(ipv6_only()), (Actions{Action::Activate}));
  EXPECT_EQ(l.activations(), 2u);
}

TEST(ClatLifecycle, FollowsTheUplink) {
  Lifecycle l;
  (void)l.update(ipv6_only());
  Facts f = ipv6_only();
  f.uplink_prefix = p6("2001:db8:1:3::/64");  // another /64 on the same Wi-Fi
  EXPECT_EQ(l.update(f), (Actions{Action::Readdress}));
  f.uplink = "wlan1";  // another interface
  EXPECT_EQ(l.update(f), (Actions{Action::Readdress}));
  f.nat64_prefix = p6("2001:db8:64::/96");  // the network announces another prefix
  EXPECT_EQ(l.update(f), (Actions{Action::ChangePrefix}));
  f.uplink_prefix = p6("2001:db8:1:4::/64");
  f.nat64_prefix = p6("64:ff9b::/96");
  EXPECT_EQ(l.update(f), (Actions{Action::Readdress, Action::ChangePrefix}));
  f.uplink_up = false;
  EXPECT_EQ(l.update(f), (Actions{Action::Deactivate}));
  EXPECT_EQ(l.decision().reason, "uplink wlan1 is down");
  EXPECT_EQ(l.activations(), 1u);
}

TEST(ClatLifecycle, ForcedMetricFollowsNative) {
  Lifecycle l;
  Facts f = ipv6_only();
  f.force = true;
  EXPECT_EQ(l.update(f), (Actions{Action::Activate}));
  EXPECT_EQ(l.decision().metric, kRouteMetric);
  f.native_ipv4_metric = 100;  // native IPv4 appears below the CLAT's metric: nothing to move
  EXPECT_EQ(l.update(f), Actions{});
  EXPECT_EQ(l.decision().state, State::ActiveBehindNative);
  f.native_ipv4_metric = 5000;  // ... above it: the CLAT's route moves up
  EXPECT_EQ(l.update(f), (Actions{Action::ChangeMetric}));
  EXPECT_EQ(l.decision().metric, 5001u);
  f.native_ipv4_metric.reset();
  EXPECT_EQ(l.update(f), (Actions{Action::ChangeMetric}));
  EXPECT_EQ(l.decision().metric, kRouteMetric);
  EXPECT_EQ(l.decision().state, State::Active);
}

TEST(ClatLifecycle, ActionNames) {
  EXPECT_EQ(name(Action::Activate), "activate");
  EXPECT_EQ(name(Action::Deactivate), "deactivate");
  EXPECT_EQ(name(Action::Readdress), "readdress");
  EXPECT_EQ(name(Action::ChangePrefix), "change-prefix");
  EXPECT_EQ(name(Action::ChangeMetric), "change-metric");
}

TEST(Lifecycle, AbandonedActivationIsTriedAgain) {
  Lifecycle life;
  Facts f;
  f.uplink = "wlan0";
  f.uplink_present = f.uplink_up = true;
  f.uplink_prefix = Ipv6Prefix::parse("2001:db8:1:2::/64").value();
  f.nat64_prefix = Ipv6Prefix::parse("2001:db8:64::/96").value();
  ASSERT_EQ(life.update(f), std::vector<Action>{Action::Activate});
  life.abandon("DAD failed");
  EXPECT_FALSE(life.decision().active());
  EXPECT_EQ(life.decision().reason, "DAD failed");
  EXPECT_EQ(life.update(f), std::vector<Action>{Action::Activate});
  EXPECT_EQ(life.activations(), 1u);
}
