// `sixfour siit` configuration: validation of each value, the one-line error naming it, the TOML
// form, and command-line precedence over the file.
#include "siit/config.hpp"
#include "print_config_round_trip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace sixfour;
using namespace sixfour::siit;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

ConfigInput cli(std::initializer_list<std::pair<const char*, const char*>> kv) {
  ConfigInput in;
  for (auto [k, v] : kv) {
    std::string key = k;
    if (key == "tun")
      in.tun.set(v);
    else if (key == "pool6")
      in.pool6.set(v);
    else if (key == "eam")
      in.eam.set({v});
    else if (key == "rfc6791")
      in.rfc6791.set({v});
    else if (key == "mtu")
      in.mtu.set(v);
    else if (key == "lowest-ipv6-mtu")
      in.lowest_ipv6_mtu.set(v);
    else if (key == "udp-zero-checksum")
      in.udp_zero_checksum.set(v);
    else if (key == "workers")
      in.workers.set(v);
    else if (key == "control")
      in.control.set(v);
    else if (key == "offload")
      in.offload.set(v);
    else
      ADD_FAILURE() << "unknown key " << key;
  }
  return in;
}

std::string error_of(const ConfigInput& in) {
  auto r = validate(in);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error();
}

void expect_one_line(const std::string& s) { EXPECT_EQ(s.find('\n'), std::string::npos) << s; }

}  // namespace

TEST(SiitConfig, DefaultsWithPool6) {
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "siit0");
  EXPECT_EQ(r->workers, 0u);  // one per online CPU, decided by the daemon
  EXPECT_TRUE(r->offload);    // auto
  EXPECT_TRUE(r->routes);
  EXPECT_EQ(r->control, "/run/sixfour/siit-siit0.sock");
  EXPECT_EQ(r->settings.xlat.mtu4, 1500);
  EXPECT_EQ(r->settings.xlat.mtu6, 1500);
  EXPECT_EQ(r->settings.xlat.lowest_ipv6_mtu, 1280);
  EXPECT_TRUE(r->settings.xlat.compute_udp_zero_checksum);
  EXPECT_EQ(r->settings.xlat.hop_change, 1);  // one hop in total with the kernel's two (issue 16)
  EXPECT_FALSE(r->settings.allow_non_global_wkp);
  ASSERT_TRUE(r->settings.pool6.has_value());
  EXPECT_EQ(r->settings.pool6->str(), "2001:db8:64::/96");
  EXPECT_TRUE(r->settings.eam.empty());
}

TEST(SiitConfig, AllValues) {
  ConfigInput in = cli({{"tun", "xl0"},
                        {"pool6", "64:ff9b::/96"},
                        {"mtu", "9000"},
                        {"lowest-ipv6-mtu", "1400"},
                        {"udp-zero-checksum", "drop"},
                        {"workers", "4"},
                        {"control", "/tmp/x.sock"},
                        {"offload", "off"}});
  in.eam.set({"2001:db8:6::/120=192.0.2.0/24", "198.51.100.7=2001:db8:7::7"});
  in.rfc6791.set({"203.0.113.0/28", "203.0.113.64/26"});
  in.allow_non_global.set(true);
  in.routes.set(false);
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "xl0");
  EXPECT_EQ(r->workers, 4u);
  EXPECT_FALSE(r->offload);
  EXPECT_FALSE(r->routes);
  EXPECT_EQ(r->control, "/tmp/x.sock");
  EXPECT_EQ(r->settings.xlat.mtu4, 9000);
  EXPECT_EQ(r->settings.xlat.mtu6, 9000);
  EXPECT_EQ(r->settings.xlat.lowest_ipv6_mtu, 1400);
  EXPECT_FALSE(r->settings.xlat.compute_udp_zero_checksum);
  EXPECT_TRUE(r->settings.allow_non_global_wkp);
  EXPECT_EQ(r->settings.eam.entries().size(), 2u);
  ASSERT_EQ(r->settings.rfc6791.size(), 2u);
  EXPECT_EQ(r->settings.rfc6791[1].str(), "203.0.113.64/26");
}

TEST(SiitConfig, ControlPathFollowsTun) {
  auto r = validate(cli({{"tun", "nat7"}, {"pool6", "2001:db8:64::/96"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->control, "/run/sixfour/siit-nat7.sock");
}

TEST(SiitConfig, Pool6BadLengthNamesTheValue) {
  std::string e = error_of(cli({{"pool6", "2001:db8::/33"}}));
  EXPECT_EQ(e, "--pool6 \"2001:db8::/33\": RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96");
}

TEST(SiitConfig, Pool6Garbage) {
  for (const char* bad : {"nonsense", "2001:db8::1/96", "2001:db8::/96/1", "192.0.2.0/24", ""}) {
    std::string e = error_of(cli({{"pool6", bad}}));
    EXPECT_THAT(e, StartsWith(std::string("--pool6 \"") + bad + "\": ")) << bad;
    expect_one_line(e);
  }
}

TEST(SiitConfig, Pool6UOctetMustBeZero) {
  // RFC 6052 §2.2: bits 64..71 of a /96 prefix are the u octet and must be zero.
  std::string e = error_of(cli({{"pool6", "2001:db8:0:0:ff00::/96"}}));
  EXPECT_THAT(e, StartsWith("--pool6 \"2001:db8:0:0:ff00::/96\": "));
  EXPECT_THAT(e, HasSubstr("u"));
}

TEST(SiitConfig, Pool6OrEamRequired) {
  std::string e = error_of(cli({{"mtu", "1500"}}));
  EXPECT_THAT(e, HasSubstr("--pool6"));
  EXPECT_THAT(e, HasSubstr("--eam"));
  expect_one_line(e);
  auto r = validate(cli({{"eam", "2001:db8:6::/120=192.0.2.0/24"}}));
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(SiitConfig, EamErrors) {
  std::string e = error_of(cli({{"eam", "2001:db8:6::/120=192.0.2.0/23"}}));
  EXPECT_THAT(e, StartsWith("--eam \"2001:db8:6::/120=192.0.2.0/23\": "));
  EXPECT_THAT(e, HasSubstr("suffix"));
  expect_one_line(e);

  e = error_of(cli({{"eam", "2001:db8:6::/120"}}));
  EXPECT_THAT(e, StartsWith("--eam \"2001:db8:6::/120\": "));

  ConfigInput overlap;
  overlap.eam.set({"2001:db8:6::/120=192.0.2.0/24", "2001:db8:6::/120=198.51.100.0/24"});
  e = error_of(overlap);
  EXPECT_THAT(e, StartsWith("--eam \"2001:db8:6::/120=198.51.100.0/24\": "));
  EXPECT_THAT(e, HasSubstr("already in entry"));
  expect_one_line(e);
}

TEST(SiitConfig, NumbersAndEnums) {
  const std::pair<const char*, const char*> bad[] = {
      {"mtu", "1279"},    {"mtu", "65536"},
      {"mtu", "abc"},     {"mtu", "1500x"},
      {"mtu", "-1"},      {"lowest-ipv6-mtu", "1000"},
      {"workers", "0"},   {"workers", "257"},
      {"workers", "two"}, {"udp-zero-checksum", "yes"},
      {"offload", "on"},  {"offload", ""},
  };
  for (auto [k, v] : bad) {
    ConfigInput in = cli({{"pool6", "2001:db8:64::/96"}, {k, v}});
    std::string e = error_of(in);
    EXPECT_THAT(e, StartsWith(std::string("--") + k + " \"" + v + "\": ")) << k << "=" << v;
    expect_one_line(e);
  }
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}, {"mtu", "1280"}, {"workers", "256"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.mtu6, 1280);
  EXPECT_EQ(r->workers, 256u);
}

TEST(SiitConfig, TunName) {
  for (const char* bad : {"", "a-name-longer-than-15", "a/b", "a b", "siit%d", ".."}) {
    std::string e = error_of(cli({{"pool6", "2001:db8:64::/96"}, {"tun", bad}}));
    EXPECT_THAT(e, StartsWith(std::string("--tun \"") + bad + "\": ")) << bad;
  }
  EXPECT_TRUE(validate(cli({{"pool6", "2001:db8:64::/96"}, {"tun", "exactly15chars0"}})).ok());
}

TEST(SiitConfig, SelfAddressesFromPool6) {
  // self4 = 192.0.0.8 (RFC 7600), self6 = pool6 + self4 (RFC 6052 §2.2, /96: last 32 bits).
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.self4.str(), "192.0.0.8");
  EXPECT_EQ(r->settings.xlat.self6.str(), "2001:db8:64::c000:8");
}

TEST(SiitConfig, SelfAddressesFromRfc6791) {
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}, {"rfc6791", "203.0.113.16/28"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.self4.str(), "203.0.113.16");
  EXPECT_EQ(r->settings.xlat.self6.str(), "2001:db8:64::cb00:7110");
}

TEST(SiitConfig, SelfAddressesFromEam) {
  // No pool6: the IPv6 side of the EAM entry whose IPv4 prefix holds self4.
  ConfigInput in;
  in.eam.set({"2001:db8:6::/120=192.0.2.0/24", "2001:db8:7::/120=203.0.113.0/24"});
  in.rfc6791.set({"203.0.113.9"});
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.self4.str(), "203.0.113.9");
  EXPECT_EQ(r->settings.xlat.self6.str(), "2001:db8:7::9");
}

TEST(SiitConfig, SelfAddressesFallback) {
  auto r = validate(cli({{"eam", "2001:db8:6::/120=192.0.2.0/24"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.self4.str(), "192.0.0.8");
  EXPECT_EQ(r->settings.xlat.self6.str(), "64:ff9b::c000:8");
}

TEST(SiitConfig, TomlAllKeys) {
  auto in = parse_toml(R"(
tun = "siit3"
pool6 = "2001:db8:64::/96"
eam = ["2001:db8:6::/120=192.0.2.0/24", "2001:db8:7::/120=198.51.100.0/24"]
rfc6791 = ["203.0.113.0/28"]
mtu = 1480
lowest-ipv6-mtu = 1400
allow-non-global = true
udp-zero-checksum = "drop"
routes = false
workers = 2
control = "/tmp/s.sock"
offload = "off"
)",
                       "test.toml");
  ASSERT_TRUE(in.ok()) << in.error();
  auto r = validate(*in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tun, "siit3");
  EXPECT_EQ(r->settings.pool6->str(), "2001:db8:64::/96");
  EXPECT_EQ(r->settings.eam.entries().size(), 2u);
  EXPECT_EQ(r->settings.rfc6791.size(), 1u);
  EXPECT_EQ(r->settings.xlat.mtu6, 1480);
  EXPECT_EQ(r->settings.xlat.lowest_ipv6_mtu, 1400);
  EXPECT_TRUE(r->settings.allow_non_global_wkp);
  EXPECT_FALSE(r->settings.xlat.compute_udp_zero_checksum);
  EXPECT_FALSE(r->routes);
  EXPECT_EQ(r->workers, 2u);
  EXPECT_EQ(r->control, "/tmp/s.sock");
  EXPECT_FALSE(r->offload);
}

TEST(SiitConfig, TomlErrorsNameTheFile) {
  auto syntax = parse_toml("pool6 = \n", "a.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.error(), StartsWith("a.toml:1:"));
  expect_one_line(syntax.error());

  auto unknown = parse_toml("pool = \"2001:db8:64::/96\"\n", "a.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error(), StartsWith("a.toml: unknown key \"pool\""));

  auto type = parse_toml("mtu = true\n", "a.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error(), "a.toml: mtu: expected an integer");

  auto list = parse_toml("eam = [1, 2]\n", "a.toml");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error(), "a.toml: eam: expected an array of strings");

  // A bad value from the file is named with the file and key.
  auto bad = parse_toml("pool6 = \"2001:db8::/33\"\n", "a.toml");
  ASSERT_TRUE(bad.ok()) << bad.error();
  EXPECT_EQ(error_of(*bad), "a.toml: pool6 \"2001:db8::/33\": RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96");
}

TEST(SiitConfig, CommandLineOverridesFile) {
  auto file = parse_toml(R"(
pool6 = "2001:db8:64::/96"
eam = ["2001:db8:6::/120=192.0.2.0/24"]
mtu = 1480
workers = 2
routes = false
)",
                         "f.toml");
  ASSERT_TRUE(file.ok()) << file.error();
  ConfigInput over = cli({{"mtu", "9000"}, {"eam", "2001:db8:9::/120=198.51.100.0/24"}});
  EXPECT_FALSE(validate(merge(*file, cli({{"offload", "off"}})))->offload);
  auto r = validate(merge(*file, over));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->settings.xlat.mtu6, 9000);           // command line wins
  EXPECT_EQ(r->workers, 2u);                        // file value kept
  EXPECT_FALSE(r->routes);                          // file value kept
  ASSERT_EQ(r->settings.eam.entries().size(), 1u);  // a list on the command line replaces the file's
  EXPECT_EQ(r->settings.eam.entries()[0].v4.str(), "198.51.100.0/24");

  // An error in a command-line value that overrode the file is named as a flag.
  std::string e = error_of(merge(*file, cli({{"workers", "0"}})));
  EXPECT_THAT(e, StartsWith("--workers \"0\": "));
}

TEST(SiitConfig, Describe) {
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}, {"eam", "2001:db8:6::/120=192.0.2.0/24"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(describe(r->settings), "pool6 2001:db8:64::/96; EAM 2001:db8:6::/120 <-> 192.0.2.0/24");
}

// ---- --print-config: the printed TOML reads back to the same configuration

TEST(SiitConfig, PrintConfigRoundTrips) {
  auto in = parse_toml(
      "tun = \"x64\"\npool6 = \"2001:db8:64::/96\"\neam = [\"2001:db8:6::/120=192.0.2.0/24\"]\n"
      "rfc6791 = [\"198.51.100.0/28\"]\nmtu = 9000\nlowest-ipv6-mtu = 1400\nallow-non-global = true\n"
      "udp-zero-checksum = \"drop\"\nroutes = false\nworkers = 3\noffload = \"off\"\n",
      "in.toml");
  ASSERT_TRUE(in) << in.error();
  const auto rt =
      configtest::print_config_round_trip(*in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  const std::string& text = rt.text;
  const auto& c = rt.first;
  const auto& again = rt.again;
  EXPECT_THAT(text, StartsWith("# sixfour siit: effective configuration (usable as --config)\n"));
  EXPECT_THAT(text, HasSubstr("\neam = [\"2001:db8:6::/120=192.0.2.0/24\"]\n"));
  EXPECT_THAT(text, HasSubstr("\nmtu = 9000\n"));
  EXPECT_THAT(text, HasSubstr("\nroutes = false\n"));
  EXPECT_THAT(text, HasSubstr("\ncontrol = \"/run/sixfour/siit-x64.sock\"\n"));
  EXPECT_EQ(again->tun, "x64");
  EXPECT_EQ(describe(again->settings), describe(c->settings));
  EXPECT_EQ(again->settings.xlat.mtu6, 9000);
  EXPECT_EQ(again->settings.xlat.lowest_ipv6_mtu, 1400);
  EXPECT_FALSE(again->settings.xlat.compute_udp_zero_checksum);
  EXPECT_TRUE(again->settings.allow_non_global_wkp);
  EXPECT_FALSE(again->routes);
  EXPECT_EQ(again->workers, 3u);
  EXPECT_FALSE(again->offload);
  EXPECT_EQ(again->settings.xlat.self6, c->settings.xlat.self6);
}

TEST(SiitConfig, PrintConfigLeavesUnsetDefaultsAsComments) {
  auto c = validate(cli({{"pool6", "64:ff9b::/96"}}));
  ASSERT_TRUE(c) << c.error();
  const std::string text = render_toml(*c);
  EXPECT_THAT(text, HasSubstr("\n# workers: not set (default one per online CPU)\n"));
  EXPECT_THAT(text, HasSubstr("\n# eam: not set\n"));
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  EXPECT_FALSE(f->workers.has());
}

// icmp-source: an address replaces self4 (the RFC 6791 pool still serves untranslatable sources)
// and self6 follows it; "host" is left to the daemon, which resolves it at start.
TEST(SiitConfig, IcmpSourceAddress) {
  ConfigInput in = cli({{"pool6", "2001:db8:64::/96"}, {"rfc6791", "203.0.113.16/28"}});
  in.icmp_source.set("198.51.100.1");
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->icmp_source.kind, IcmpSource::Kind::Address);
  EXPECT_EQ(r->settings.xlat.self4.str(), "198.51.100.1");
  EXPECT_EQ(r->settings.xlat.self6.str(), "2001:db8:64::c633:6401");
  EXPECT_EQ(r->settings.rfc6791.front().str(), "203.0.113.16/28");
  EXPECT_THAT(render_toml(*r), HasSubstr("\nicmp-source = \"198.51.100.1\"\n"));
}

TEST(SiitConfig, IcmpSourceHostKeepsTheDefaultUntilResolved) {
  ConfigInput in = cli({{"pool6", "2001:db8:64::/96"}});
  in.icmp_source.set("host");
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->icmp_source.kind, IcmpSource::Kind::Host);
  EXPECT_EQ(r->settings.xlat.self4.str(), "192.0.0.8");
  EXPECT_THAT(render_toml(*r), HasSubstr("\nicmp-source = \"host\"\n"));
  auto again = parse_toml(render_toml(*r), "printed.toml");
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(validate(*again)->icmp_source.kind, IcmpSource::Kind::Host);
  // What the daemon does with the address it found.
  Settings s = r->settings;
  use_icmp_source(s, Ipv4Addr{{198, 51, 100, 1}});
  EXPECT_EQ(s.xlat.self4.str(), "198.51.100.1");
  EXPECT_EQ(s.xlat.self6.str(), "2001:db8:64::c633:6401");
}

TEST(SiitConfig, IcmpSourceErrorsNameTheValue) {
  for (const char* bad : {"hostname", "2001:db8::1", "0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255"}) {
    ConfigInput in = cli({{"pool6", "2001:db8:64::/96"}});
    in.icmp_source.set(bad);
    const std::string e = error_of(in);
    EXPECT_THAT(e, StartsWith(std::string("--icmp-source \"") + bad + "\": must be ")) << e;
    expect_one_line(e);
  }
  auto t = parse_toml("pool6 = \"2001:db8:64::/96\"\nicmp-source = \"10.0.0.300\"\n", "x.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_THAT(error_of(*t), HasSubstr("x.toml: icmp-source \"10.0.0.300\": must be host or an IPv4 address"));
}

// ---- user: who the daemon runs as after set-up (every daemon shares common/run_as.hpp)

TEST(SiitConfig, UserDefaultsToSixfourNotGiven) {
  auto r = validate(cli({{"pool6", "2001:db8:64::/96"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->run_as.user, "sixfour");
  EXPECT_FALSE(r->run_as.given);
  EXPECT_THAT(render_toml(*r), ::testing::Not(HasSubstr("\nuser =")));  // a round trip keeps it implicit
}

TEST(SiitConfig, UserGivenAndRoundTrips) {
  auto in = parse_toml("pool6 = \"2001:db8:64::/96\"\nuser = \"xlat\"\n", "in.toml");
  ASSERT_TRUE(in) << in.error();
  const auto rt =
      configtest::print_config_round_trip(*in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  EXPECT_THAT(rt.text, HasSubstr("\nuser = \"xlat\"\n"));
  EXPECT_EQ(rt.again->run_as.user, "xlat");
  EXPECT_TRUE(rt.again->run_as.given);
}

TEST(SiitConfig, UserEmptyIsRefused) {
  auto in = parse_toml("pool6 = \"2001:db8:64::/96\"\nuser = \"\"\n", "in.toml");
  ASSERT_TRUE(in) << in.error();
  auto r = validate(*in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "in.toml: user \"\": must name a user");
}
