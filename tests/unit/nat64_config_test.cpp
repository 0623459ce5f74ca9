// `sixfour nat64` configuration: defaults (RFC 6146 §4 lifetimes, 64:ff9b::/96 of RFC 6052 §2.1),
// validation of each value with the one-line error naming it, the TOML form, command-line
// precedence over the file, and the start-line description.
#include "nat64/config.hpp"
#include "print_config_round_trip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>

using namespace sixfour;
using namespace sixfour::nat64;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

// Command-line input; list keys take one element each time they appear.
ConfigInput cli(std::initializer_list<std::pair<const char*, const char*>> kv) {
  ConfigInput in;
  std::vector<std::string> pool4, statics;
  for (auto [k, v] : kv) {
    std::string key = k;
    if (key == "tun")
      in.tun.set(v);
    else if (key == "prefix")
      in.prefix.set(v);
    else if (key == "pool4")
      pool4.push_back(v);
    else if (key == "static")
      statics.push_back(v);
    else if (key == "udp-timeout")
      in.udp_timeout.set(v);
    else if (key == "icmp-timeout")
      in.icmp_timeout.set(v);
    else if (key == "tcp-est-timeout")
      in.tcp_est_timeout.set(v);
    else if (key == "tcp-trans-timeout")
      in.tcp_trans_timeout.set(v);
    else if (key == "mtu")
      in.mtu.set(v);
    else if (key == "lowest-ipv6-mtu")
      in.lowest_ipv6_mtu.set(v);
    else if (key == "workers")
      in.workers.set(v);
    else if (key == "control")
      in.control.set(v);
    else if (key == "offload")
      in.offload.set(v);
    else
      ADD_FAILURE() << "unknown key " << key;
  }
  if (!pool4.empty()) in.pool4.set(pool4);
  if (!statics.empty()) in.statics.set(statics);
  return in;
}

std::string error_of(const ConfigInput& in) {
  auto r = validate(in);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().find('\n'), std::string::npos) << "not one line: " << r.error();
  return r.error();
}

}  // namespace

TEST(Nat64Config, DefaultsWithOnePool4Address) {
  auto r = validate(cli({{"pool4", "203.0.113.1"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "nat64");
  EXPECT_EQ(r->control, "/run/sixfour/nat64-nat64.sock");
  EXPECT_EQ(r->workers, 0u);  // one per online CPU, decided by the daemon
  EXPECT_TRUE(r->offload);    // auto
  EXPECT_TRUE(r->routes);
  EXPECT_FALSE(r->log_sessions);
  EXPECT_TRUE(r->warnings.empty());
  const Settings& s = r->settings;
  EXPECT_EQ(s.prefix.str(), "64:ff9b::/96");  // RFC 6052 §2.1 well-known prefix
  EXPECT_FALSE(s.allow_non_global);
  EXPECT_EQ(s.xlat.hop_change, 1);  // one hop in total with the kernel's two (issue 16)
  ASSERT_EQ(s.pool4.size(), 1u);
  EXPECT_EQ(s.pool4[0].prefix.str(), "203.0.113.1/32");
  EXPECT_EQ(s.pool4[0].lo, 1024);
  EXPECT_EQ(s.pool4[0].hi, 65535);
  EXPECT_TRUE(s.statics.empty());
  // RFC 6146 §4: UDP 5 min, ICMP 60 s, TCP established 2 h 4 min, transitory 4 min.
  EXPECT_EQ(s.timeouts.udp, 300u);
  EXPECT_EQ(s.timeouts.icmp, 60u);
  EXPECT_EQ(s.timeouts.tcp_established, 7440u);
  EXPECT_EQ(s.timeouts.tcp_transitory, 240u);
  EXPECT_FALSE(s.address_dependent_filtering);  // RFC 6146 §3.5.1: endpoint-independent
  EXPECT_FALSE(s.drop_external_tcp_syn);
  EXPECT_EQ(s.xlat.mtu4, 1500);
  EXPECT_EQ(s.xlat.mtu6, 1500);
  // The NAT64's own errors come from its pool4 address, and from that address in the prefix:
  // 203.0.113.1 = cb.00.71.01.
  EXPECT_EQ(s.xlat.self4.str(), "203.0.113.1");
  EXPECT_EQ(s.xlat.self6.str(), "64:ff9b::cb00:7101");
  EXPECT_FALSE(static_cast<bool>(s.log));
}

TEST(Nat64Config, AllValues) {
  ConfigInput in = cli({{"tun", "sf64"},
                        {"prefix", "2001:db8:64::/96"},
                        {"pool4", "203.0.113.0/30:2000-2999"},
                        {"pool4", "192.0.2.1"},
                        {"static", "tcp,192.0.2.1#8080,2001:db8:6::2#80"},
                        {"static", "udp,203.0.113.2#53,2001:db8:6::3#5353"},
                        {"udp-timeout", "200"},
                        {"icmp-timeout", "30"},
                        {"tcp-est-timeout", "8000"},
                        {"tcp-trans-timeout", "300"},
                        {"mtu", "1400"},
                        {"workers", "2"},
                        {"control", "/tmp/x.sock"},
                        {"offload", "off"}});
  in.address_dependent_filtering.set(true);
  in.drop_external_syn.set(true);
  in.allow_non_global.set(true);
  in.routes.set(false);
  in.log_sessions.set(true);
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "sf64");
  EXPECT_EQ(r->control, "/tmp/x.sock");
  EXPECT_EQ(r->workers, 2u);
  EXPECT_FALSE(r->offload);
  EXPECT_FALSE(r->routes);
  EXPECT_TRUE(r->log_sessions);
  EXPECT_TRUE(r->warnings.empty());
  const Settings& s = r->settings;
  EXPECT_EQ(s.prefix.str(), "2001:db8:64::/96");
  ASSERT_EQ(s.pool4.size(), 2u);
  EXPECT_EQ(s.pool4[0].prefix.str(), "203.0.113.0/30");
  EXPECT_EQ(s.pool4[0].lo, 2000);
  EXPECT_EQ(s.pool4[0].hi, 2999);
  EXPECT_EQ(s.pool4[1].prefix.str(), "192.0.2.1/32");
  ASSERT_EQ(s.statics.size(), 2u);
  EXPECT_EQ(s.statics[0].proto, 6);
  EXPECT_EQ(s.statics[0].addr4.str(), "192.0.2.1");
  EXPECT_EQ(s.statics[0].port4, 8080);
  EXPECT_EQ(s.statics[0].addr6.str(), "2001:db8:6::2");
  EXPECT_EQ(s.statics[0].port6, 80);
  EXPECT_EQ(s.statics[1].proto, 17);
  EXPECT_EQ(s.timeouts.udp, 200u);
  EXPECT_EQ(s.timeouts.icmp, 30u);
  EXPECT_EQ(s.timeouts.tcp_established, 8000u);
  EXPECT_EQ(s.timeouts.tcp_transitory, 300u);
  EXPECT_TRUE(s.address_dependent_filtering);
  EXPECT_TRUE(s.drop_external_tcp_syn);
  EXPECT_TRUE(s.allow_non_global);
  EXPECT_EQ(s.xlat.mtu4, 1400);
  EXPECT_EQ(s.xlat.mtu6, 1400);
  // First pool4 entry's first address, embedded in 2001:db8:64::/96.
  EXPECT_EQ(s.xlat.self4.str(), "203.0.113.0");
  EXPECT_EQ(s.xlat.self6.str(), "2001:db8:64::cb00:7100");
}

TEST(Nat64Config, Pool4IsRequired) {
  EXPECT_THAT(error_of(cli({{"tun", "sf64"}})), HasSubstr("--pool4 is required"));
  ConfigInput empty;
  empty.pool4.set({});
  EXPECT_THAT(error_of(empty), HasSubstr("--pool4 is required"));
}

TEST(Nat64Config, BadPool4NamesTheValue) {
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.300"}})), StartsWith("--pool4 \"203.0.113.300\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1/24"}})), StartsWith("--pool4 \"203.0.113.1/24\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1:3000-2000"}})), StartsWith("--pool4 \"203.0.113.1:3000-2000\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1:2000"}})), StartsWith("--pool4 \"203.0.113.1:2000\": "));
  // The value is named once, even where the parser's own message names it too.
  EXPECT_EQ(error_of(cli({{"pool4", "bogus"}})), "--pool4 \"bogus\": not an IPv4 prefix (expected a.b.c.d/len)");
}

TEST(Nat64Config, OverlappingPool4Entries) {
  const std::string e = error_of(cli({{"pool4", "203.0.113.0/30"}, {"pool4", "203.0.113.2:5000-6000"}}));
  EXPECT_THAT(e, StartsWith("--pool4 \"203.0.113.2:5000-6000\": "));
  EXPECT_THAT(e, HasSubstr("overlaps pool4 203.0.113.0/30"));
}

TEST(Nat64Config, StaticMustBeInPool4AndUnique) {
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"static", "tcp,198.51.100.9#80,2001:db8:6::2#80"}})),
              AllOf(StartsWith("--static \"tcp,198.51.100.9#80,2001:db8:6::2#80\": "),
                    HasSubstr("198.51.100.9 is not in pool4")));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"},
                            {"static", "tcp,203.0.113.1#80,2001:db8:6::2#80"},
                            {"static", "tcp,203.0.113.1#80,2001:db8:6::3#80"}})),
              HasSubstr("203.0.113.1#80 is already bound"));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"},
                            {"static", "udp,203.0.113.1#80,2001:db8:6::2#80"},
                            {"static", "udp,203.0.113.1#81,2001:db8:6::2#80"}})),
              HasSubstr("2001:db8:6::2#80 is already bound"));
  // The same transport addresses in two protocols are two BIBs (RFC 6146 §3.1).
  EXPECT_TRUE(validate(cli({{"pool4", "203.0.113.1"},
                            {"static", "tcp,203.0.113.1#80,2001:db8:6::2#80"},
                            {"static", "udp,203.0.113.1#80,2001:db8:6::2#80"}}))
                  .ok());
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"static", "sctp,203.0.113.1#80,2001:db8:6::2#80"}})),
              StartsWith("--static \"sctp,203.0.113.1#80,2001:db8:6::2#80\": "));
}

TEST(Nat64Config, BadPrefix) {
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"prefix", "2001:db8::/33"}})),
              AllOf(StartsWith("--prefix \"2001:db8::/33\": "), HasSubstr("32, 40, 48, 56, 64 or 96")));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"prefix", "2001:zz8::/96"}})),
              StartsWith("--prefix \"2001:zz8::/96\": "));
  // RFC 6052 §2.2: bits 64..71 of a /96 prefix must be zero.
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"prefix", "2001:db8:0:0:ff00::/96"}})),
              StartsWith("--prefix \"2001:db8:0:0:ff00::/96\": "));
}

TEST(Nat64Config, TimeoutsBelowRfcMinimumsAreWarnings) {
  auto r = validate(cli({{"pool4", "203.0.113.1"}, {"udp-timeout", "2"}, {"tcp-trans-timeout", "5"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.timeouts.udp, 2u);
  EXPECT_EQ(r->settings.timeouts.tcp_transitory, 5u);
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_THAT(r->warnings[0], HasSubstr("udp-timeout 2 s is below"));
  EXPECT_THAT(r->warnings[0], HasSubstr("120 s"));
  EXPECT_THAT(r->warnings[1], HasSubstr("tcp-trans-timeout 5 s"));
  // Exactly the minimums: no warning.
  auto ok = validate(cli({{"pool4", "203.0.113.1"}, {"udp-timeout", "120"}, {"tcp-est-timeout", "7440"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->warnings.empty());
}

// RFC 7915 §4: DF=0 IPv4 packets are fragmented to fit the lowest IPv6 MTU, 1280 unless the
// operator knows better.
TEST(Nat64Config, LowestIpv6Mtu) {
  auto d = validate(cli({{"pool4", "203.0.113.1"}}));
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d->settings.xlat.lowest_ipv6_mtu, 1280);
  auto r = validate(cli({{"pool4", "203.0.113.1"}, {"lowest-ipv6-mtu", "1480"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.lowest_ipv6_mtu, 1480);
  EXPECT_THAT(render_toml(*r), HasSubstr("lowest-ipv6-mtu = 1480"));
}

TEST(Nat64Config, BadNumbers) {
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"udp-timeout", "0"}})), StartsWith("--udp-timeout \"0\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"icmp-timeout", "abc"}})),
              StartsWith("--icmp-timeout \"abc\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"tcp-est-timeout", "-5"}})),
              StartsWith("--tcp-est-timeout \"-5\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"mtu", "1279"}})), StartsWith("--mtu \"1279\": "));
  EXPECT_EQ(error_of(cli({{"pool4", "203.0.113.1"}, {"lowest-ipv6-mtu", "1279"}})),
            "--lowest-ipv6-mtu \"1279\": must be a number from 1280 to 65535");
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"workers", "0"}})), StartsWith("--workers \"0\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"workers", "257"}})), StartsWith("--workers \"257\": "));
  EXPECT_EQ(error_of(cli({{"pool4", "203.0.113.1"}, {"offload", "yes"}})), "--offload \"yes\": must be auto or off");
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"tun", "a-name-that-is-too-long"}})),
              StartsWith("--tun \"a-name-that-is-too-long\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"tun", "a/b"}})), StartsWith("--tun \"a/b\": "));
  EXPECT_THAT(error_of(cli({{"pool4", "203.0.113.1"}, {"control", std::string(108, 'x').c_str()}})),
              StartsWith("--control \""));
}

TEST(Nat64Config, ControlPathFollowsTun) {
  auto r = validate(cli({{"pool4", "203.0.113.1"}, {"tun", "sf64"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->control, "/run/sixfour/nat64-sf64.sock");
}

TEST(Nat64Config, Toml) {
  auto in = parse_toml(R"(
tun = "sf64"
prefix = "2001:db8:64::/96"
pool4 = ["203.0.113.1:2000-2001"]
static = "tcp,203.0.113.1#8080,2001:db8:6::2#80"
address-dependent-filtering = true
drop-external-syn = true
udp-timeout = 2
icmp-timeout = "10"
tcp-est-timeout = 7440
tcp-trans-timeout = 240
mtu = 1500
allow-non-global = true
routes = false
workers = 1
control = "/tmp/n.sock"
log-sessions = true
offload = "auto"
)",
                       "nat64.toml");
  ASSERT_TRUE(in.ok()) << in.error();
  auto r = validate(*in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "sf64");
  EXPECT_EQ(r->settings.prefix.str(), "2001:db8:64::/96");
  ASSERT_EQ(r->settings.pool4.size(), 1u);
  EXPECT_EQ(r->settings.pool4[0].lo, 2000);
  EXPECT_EQ(r->settings.pool4[0].hi, 2001);
  ASSERT_EQ(r->settings.statics.size(), 1u);
  EXPECT_EQ(r->settings.statics[0].port4, 8080);
  EXPECT_TRUE(r->settings.address_dependent_filtering);
  EXPECT_TRUE(r->settings.drop_external_tcp_syn);
  EXPECT_EQ(r->settings.timeouts.udp, 2u);
  EXPECT_EQ(r->settings.timeouts.icmp, 10u);
  EXPECT_TRUE(r->settings.allow_non_global);
  EXPECT_FALSE(r->routes);
  EXPECT_EQ(r->control, "/tmp/n.sock");
  EXPECT_TRUE(r->log_sessions);
  EXPECT_EQ(r->warnings.size(), 1u);  // udp-timeout 2
}

TEST(Nat64Config, TomlErrorsNameTheFile) {
  auto unknown = parse_toml("pool4 = \"203.0.113.1\"\npool6 = \"x\"\n", "n.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error(), StartsWith("n.toml: unknown key \"pool6\""));
  auto type = parse_toml("pool4 = 5\n", "n.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error(), "n.toml: pool4: expected an array of strings");
  auto flag = parse_toml("pool4 = \"203.0.113.1\"\nlog-sessions = \"yes\"\n", "n.toml");
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.error(), "n.toml: log-sessions: expected true or false");
  auto syntax = parse_toml("pool4 = \"203.0.113.1\n", "n.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.error(), StartsWith("n.toml:1:"));
  // A bad value from the file is named with the file.
  auto bad = parse_toml("pool4 = [\"203.0.113.1\"]\nudp-timeout = 0\n", "n.toml");
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(error_of(*bad), StartsWith("n.toml: udp-timeout \"0\": "));
}

TEST(Nat64Config, CommandLineOverridesFile) {
  auto file = parse_toml("pool4 = [\"203.0.113.1\", \"203.0.113.2\"]\nudp-timeout = 200\nprefix = \"2001:db8::/33\"\n",
                         "n.toml");
  ASSERT_TRUE(file.ok());
  // The file alone is invalid (prefix /33)...
  EXPECT_THAT(error_of(*file), StartsWith("n.toml: prefix \"2001:db8::/33\""));
  // ...the command line replaces the prefix and the whole pool4 list, the timeout stays.
  auto r = validate(merge(*file, cli({{"prefix", "2001:db8:64::/96"}, {"pool4", "192.0.2.1"}})));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.prefix.str(), "2001:db8:64::/96");
  ASSERT_EQ(r->settings.pool4.size(), 1u);
  EXPECT_EQ(r->settings.pool4[0].prefix.str(), "192.0.2.1/32");
  EXPECT_EQ(r->settings.timeouts.udp, 200u);
}

TEST(Nat64Config, Describe) {
  auto r = validate(cli({{"prefix", "2001:db8:64::/96"},
                         {"pool4", "203.0.113.1"},
                         {"pool4", "192.0.2.0/31:2000-2001"},
                         {"static", "tcp,203.0.113.1#8080,2001:db8:6::2#80"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(describe(r->settings),
            "prefix 2001:db8:64::/96; pool4 203.0.113.1 ports 1024-65535, 192.0.2.0/31 ports 2000-2001; "
            "static tcp 203.0.113.1#8080 <-> 2001:db8:6::2#80; endpoint-independent filtering");
}

// ---- --print-config: the printed TOML reads back to the same configuration

TEST(Nat64Config, PrintConfigRoundTrips) {
  auto in = parse_toml(
      "tun = \"n64\"\nprefix = \"2001:db8:64::/96\"\npool4 = [\"203.0.113.1\", \"192.0.2.0/31:2000-2001\"]\n"
      "static = [\"udp,203.0.113.1#5353,2001:db8:6::2#53\"]\naddress-dependent-filtering = true\n"
      "drop-external-syn = true\nudp-timeout = 2\nicmp-timeout = \"30\"\ntcp-est-timeout = 8000\n"
      "tcp-trans-timeout = 250\nmtu = 1400\nallow-non-global = true\nroutes = false\nworkers = 2\n"
      "control = \"/tmp/n.sock\"\nlog-sessions = true\noffload = \"off\"\n",
      "in.toml");
  ASSERT_TRUE(in) << in.error();
  const auto rt =
      configtest::print_config_round_trip(*in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  const std::string& text = rt.text;
  const auto& c = rt.first;
  const auto& again = rt.again;
  EXPECT_THAT(text, StartsWith("# sixfour nat64: effective configuration (usable as --config)\n"));
  EXPECT_THAT(text, HasSubstr("\npool4 = [\"203.0.113.1:1024-65535\", \"192.0.2.0/31:2000-2001\"]\n"));
  EXPECT_THAT(text, HasSubstr("\nstatic = [\"udp,203.0.113.1#5353,2001:db8:6::2#53\"]\n"));
  EXPECT_THAT(text, HasSubstr("\nicmp-timeout = 30\n"));
  EXPECT_THAT(text, HasSubstr("\nudp-timeout = 2  # 2 s is below the RFC 6146 §4 minimum for UDP (120 s)\n"));
  EXPECT_EQ(describe(again->settings), describe(c->settings));
  EXPECT_EQ(again->settings.timeouts.udp, 2u);
  EXPECT_EQ(again->settings.timeouts.icmp, 30u);
  EXPECT_EQ(again->settings.timeouts.tcp_established, 8000u);
  EXPECT_EQ(again->settings.timeouts.tcp_transitory, 250u);
  EXPECT_EQ(again->settings.xlat.mtu6, 1400);
  EXPECT_FALSE(again->routes);
  EXPECT_EQ(again->workers, 2u);
  EXPECT_EQ(again->control, "/tmp/n.sock");
  EXPECT_TRUE(again->log_sessions);
  EXPECT_FALSE(again->offload);
  EXPECT_EQ(again->warnings, c->warnings);
}

// icmp-source: an address replaces the pool4 address as self4, self6 = prefix + self4; "host"
// keeps the default until the daemon resolves it.
TEST(Nat64Config, IcmpSource) {
  auto in = parse_toml("prefix = \"2001:db8:64::/96\"\npool4 = [\"203.0.113.1\"]\nicmp-source = \"198.51.100.1\"\n",
                       "in.toml");
  ASSERT_TRUE(in) << in.error();
  auto r = validate(*in);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->settings.xlat.self4.str(), "198.51.100.1");
  EXPECT_EQ(r->settings.xlat.self6.str(), "2001:db8:64::c633:6401");
  const auto rt =
      configtest::print_config_round_trip(*in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  EXPECT_EQ(rt.again->settings.xlat.self4.str(), "198.51.100.1");

  ConfigInput host = *in;
  host.icmp_source.set("host");
  r = validate(host);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->icmp_source.kind, IcmpSource::Kind::Host);
  EXPECT_EQ(r->settings.xlat.self4.str(), "203.0.113.1");
  Settings s = r->settings;
  use_icmp_source(s, Ipv4Addr{{192, 0, 2, 7}});
  EXPECT_EQ(s.xlat.self6.str(), "2001:db8:64::c000:207");

  ConfigInput bad = *in;
  bad.icmp_source.set("0.1.2.3");
  r = validate(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "--icmp-source \"0.1.2.3\": must be a unicast address another host can send to");
}

// ---- instance K/N (docs/scale-out.md): each instance takes part K of every pool4 prefix

namespace {
std::vector<std::string> pool_of(const char* toml) {
  auto in = parse_toml(toml, "in.toml");
  EXPECT_TRUE(in) << in.error();
  auto r = validate(*in);
  EXPECT_TRUE(r) << r.error();
  std::vector<std::string> out;
  if (r)
    for (const Pool4Entry& p : r->settings.pool4) out.push_back(pool4_text(p));
  return out;
}
}  // namespace

TEST(Nat64Config, InstanceTakesItsSliceOfEveryPool4Prefix) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pool_of("pool4 = [\"203.0.113.0/28\", \"192.0.2.0/30:2000-2999\"]\ninstance = \"0/2\"\n"),
            (V{"203.0.113.0/29:1024-65535", "192.0.2.0/31:2000-2999"}));
  EXPECT_EQ(pool_of("pool4 = [\"203.0.113.0/28\", \"192.0.2.0/30:2000-2999\"]\ninstance = \"1/2\"\n"),
            (V{"203.0.113.8/29:1024-65535", "192.0.2.2/31:2000-2999"}));
  EXPECT_EQ(pool_of("pool4 = [\"203.0.113.0/24\"]\ninstance = \"3/4\"\n"), (V{"203.0.113.192/26:1024-65535"}));
  EXPECT_EQ(pool_of("pool4 = [\"203.0.113.0/30\"]\ninstance = \"3/4\"\n"), (V{"203.0.113.3:1024-65535"}));
  EXPECT_EQ(pool_of("pool4 = [\"203.0.113.7\"]\ninstance = \"0/1\"\n"), (V{"203.0.113.7:1024-65535"}));
  // The slices of all instances are disjoint and cover the pool.
  std::set<std::string> seen;
  for (unsigned k = 0; k < 8; ++k) {
    auto s = pool4_slice({Pool4Entry{*Ipv4Prefix::parse("198.51.100.0/24"), 1024, 65535}}, k, 8);
    ASSERT_TRUE(s) << s.error();
    ASSERT_EQ(s->size(), 1u);
    EXPECT_EQ(s->front().prefix.len, 27);
    EXPECT_TRUE(seen.insert(s->front().prefix.str()).second) << s->front().prefix.str();
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(Nat64Config, InstanceErrors) {
  const std::string why = "must be K/N: N instances (a power of two, at most 256), this one K from 0 to N-1";
  for (const char* bad : {"1/3", "2/2", "1", "a/2", "1/0", "0/512", "-1/2", "1/2/4", ""}) {
    ConfigInput in = cli({{"pool4", "203.0.113.0/24"}});
    in.instance.set(bad);
    EXPECT_EQ(error_of(in), fmt::format("--instance \"{}\": {}", bad, why)) << bad;
  }
  ConfigInput small = cli({{"pool4", "203.0.113.0/24"}, {"pool4", "192.0.2.1"}});
  small.instance.set("1/2");
  EXPECT_EQ(error_of(small),
            "--instance \"1/2\": pool4 192.0.2.1/32 has 1 address, too few for 2 instances: give each at least one");
  // A static entry must lie in this instance's slice.
  ConfigInput st = cli({{"pool4", "203.0.113.0/28"}, {"static", "tcp,203.0.113.1#80,2001:db8:6::2#80"}});
  st.instance.set("1/2");
  EXPECT_THAT(error_of(st), HasSubstr("203.0.113.1 is not in pool4"));
  st.instance.set("0/2");
  EXPECT_TRUE(validate(st));
}

// ---- port-block-size (nat64/port_blocks.hpp)

TEST(Nat64Config, PortBlockSize) {
  auto in = parse_toml("pool4 = [\"203.0.113.0/28\", \"192.0.2.1:2000-2999\"]\nport-block-size = 500\n", "in.toml");
  ASSERT_TRUE(in) << in.error();
  auto r = validate(*in);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->settings.port_block_size, 500u);
  EXPECT_THAT(describe(r->settings), HasSubstr("in blocks of 500 ports per inside address"));
  EXPECT_THAT(render_toml(*r), HasSubstr("\nport-block-size = 500\n"));
  EXPECT_EQ(validate(cli({{"pool4", "203.0.113.1"}}))->settings.port_block_size, 0u);  // off by default
  for (const char* bad : {"31", "1001", "-1", "x"}) {
    ConfigInput c = cli({{"pool4", "203.0.113.0/28"}, {"pool4", "192.0.2.1:2000-2999"}});
    c.port_block_size.set(bad);
    EXPECT_EQ(error_of(c), fmt::format("--port-block-size \"{}\": must be 0 (off) or a number of ports from 32 to 1000 "
                                       "(the smallest pool4 port range)",
                                       bad))
        << bad;
  }
}
