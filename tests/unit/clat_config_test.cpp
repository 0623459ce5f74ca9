// `sixfour clat` configuration: defaults, every error text, the TOML form, command-line precedence
// and the --print-config round trip.
#include "clat/config.hpp"
#include "print_config_round_trip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

using namespace sixfour;
using namespace sixfour::clat;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

// Values as the command line gives them, set through the setting table by name.
ConfigInput cli(std::initializer_list<std::pair<std::string_view, const char*>> kv) {
  ConfigInput in;
  for (auto [name, value] : kv) {
    auto it = std::find_if(settings().begin(), settings().end(), [&](const auto& s) { return s.info.name == name; });
    if (it == settings().end() || it->info.is_flag()) {
      ADD_FAILURE() << "no text setting " << name;
      continue;
    }
    given_ref(*it, in).text->set(value);
  }
  return in;
}

std::string error_of(const ConfigInput& in) {
  auto r = validate(in);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error();
}

}  // namespace

TEST(ClatConfig, Defaults) {
  auto r = validate(ConfigInput{});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->uplink, "");             // the interface of the IPv6 default route, found by the daemon
  EXPECT_FALSE(r->prefix.has_value());  // auto
  EXPECT_EQ(r->probe.str(), "1.1.1.1");
  EXPECT_FALSE(r->force);
  EXPECT_EQ(r->tun, "clat0");
  EXPECT_EQ(r->mtu, 1500);
  EXPECT_EQ(r->control, "/run/sixfour/clat-clat0.sock");
}

TEST(ClatConfig, AllValues) {
  ConfigInput in = cli({{"uplink", "wlan0"},
                        {"prefix", "2001:db8:64::/96"},
                        {"probe", "203.0.113.7"},
                        {"tun", "v4"},
                        {"mtu", "1400"},
                        {"control", "/tmp/c.sock"}});
  in.force.set(true);
  auto r = validate(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->uplink, "wlan0");
  ASSERT_TRUE(r->prefix.has_value());
  EXPECT_EQ(r->prefix->str(), "2001:db8:64::/96");
  EXPECT_EQ(r->probe.str(), "203.0.113.7");
  EXPECT_TRUE(r->force);
  EXPECT_EQ(r->tun, "v4");
  EXPECT_EQ(r->mtu, 1400);
  EXPECT_EQ(r->control, "/tmp/c.sock");
}

TEST(ClatConfig, PrefixAutoAndNetworkSpecific) {
  auto a = validate(cli({{"prefix", "auto"}}));
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_FALSE(a->prefix.has_value());
  auto w = validate(cli({{"prefix", "64:ff9b::/96"}}));
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_EQ(w->prefix->str(), "64:ff9b::/96");
  auto n = validate(cli({{"prefix", "2001:db8:100::/40"}}));
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(n->prefix->len, 40);
}

TEST(ClatConfig, PrefixErrors) {
  EXPECT_EQ(error_of(cli({{"prefix", "2001:db8::/33"}})),
            "--prefix \"2001:db8::/33\": RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96");
  EXPECT_THAT(error_of(cli({{"prefix", "2001:db8:0:0:ff00::/96"}})),
              StartsWith("--prefix \"2001:db8:0:0:ff00::/96\": "));
  for (const char* bad : {"Auto", "", "192.0.2.0/24", "2001:db8::1/96"}) {
    std::string e = error_of(cli({{"prefix", bad}}));
    EXPECT_THAT(e, StartsWith(std::string("--prefix \"") + bad + "\": ")) << bad;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(ClatConfig, ProbeErrors) {
  EXPECT_EQ(error_of(cli({{"probe", "1.1.1"}})), "--probe \"1.1.1\": not an IPv4 address (expected a.b.c.d)");
  for (const char* bad :
       {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "192.0.0.1", "192.0.0.7"}) {
    EXPECT_EQ(error_of(cli({{"probe", bad}})),
              std::string("--probe \"") + bad +
                  "\": must be a unicast IPv4 address outside 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 and 192.0.0.0/29")
        << bad;
  }
  // Just outside the CLAT's range, and a lab address, are fine.
  EXPECT_TRUE(validate(cli({{"probe", "192.0.0.8"}})).ok());
  EXPECT_TRUE(validate(cli({{"probe", "198.51.100.1"}})).ok());
}

TEST(ClatConfig, InterfaceNames) {
  EXPECT_EQ(error_of(cli({{"uplink", "a-name-longer-than-15"}})),
            "--uplink \"a-name-longer-than-15\": interface name must be 1 to 15 characters");
  EXPECT_EQ(error_of(cli({{"tun", "a/b"}})), "--tun \"a/b\": not a valid interface name");
  EXPECT_EQ(error_of(cli({{"uplink", "eth0"}, {"tun", "eth0"}})), "--tun \"eth0\": must differ from --uplink");
}

TEST(ClatConfig, NumbersAndPaths) {
  for (const char* bad : {"1279", "65536", "abc", "-1", ""}) {
    EXPECT_EQ(error_of(cli({{"mtu", bad}})), std::string("--mtu \"") + bad + "\": must be a number from 1280 to 65535")
        << bad;
  }
  EXPECT_EQ(validate(cli({{"mtu", "1280"}}))->mtu, 1280);
  EXPECT_EQ(error_of(cli({{"control", ""}})), "--control \"\": socket path must be 1 to 107 characters");
}

TEST(ClatConfig, ControlPathFollowsTun) {
  auto r = validate(cli({{"tun", "clat7"}}));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->control, "/run/sixfour/clat-clat7.sock");
}

TEST(ClatConfig, TomlAndCommandLineWins) {
  auto file = parse_toml(
      "uplink = \"wlan0\"\nprefix = \"2001:db8:64::/96\"\nprobe = \"203.0.113.1\"\nforce = true\ntun = \"c4\"\n"
      "mtu = 1480\ncontrol = \"/tmp/f.sock\"\n",
      "f.toml");
  ASSERT_TRUE(file.ok()) << file.error();
  auto r = validate(merge(*file, cli({{"mtu", "9000"}, {"prefix", "auto"}})));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->mtu, 9000);              // command line wins
  EXPECT_FALSE(r->prefix.has_value());  // "auto" given on the command line overrides the file
  EXPECT_EQ(r->uplink, "wlan0");        // file values kept
  EXPECT_EQ(r->probe.str(), "203.0.113.1");
  EXPECT_TRUE(r->force);
  EXPECT_EQ(r->tun, "c4");
  EXPECT_EQ(r->control, "/tmp/f.sock");

  auto unknown = parse_toml("allow-non-global = true\n", "a.toml");
  ASSERT_FALSE(unknown.ok());  // RFC 6052 §3.1: never with the well-known prefix, so no such key
  EXPECT_THAT(unknown.error(), StartsWith("a.toml: unknown key \"allow-non-global\""));
  auto bad = parse_toml("probe = \"10.0.0\"\n", "a.toml");
  ASSERT_TRUE(bad.ok()) << bad.error();
  EXPECT_EQ(error_of(*bad), "a.toml: probe \"10.0.0\": not an IPv4 address (expected a.b.c.d)");
}

TEST(ClatConfig, PrintConfigRoundTrips) {
  ConfigInput in =
      cli({{"uplink", "wwan0"}, {"prefix", "2001:db8:64::/96"}, {"probe", "198.51.100.9"}, {"mtu", "1400"}});
  in.force.set(true);
  const auto rt =
      configtest::print_config_round_trip(in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  const std::string& text = rt.text;
  const auto& c = rt.first;
  const auto& again = rt.again;
  EXPECT_THAT(text, StartsWith("# sixfour clat: effective configuration (usable as --config)\n"));
  EXPECT_THAT(text, HasSubstr("\nuplink = \"wwan0\"\n"));
  EXPECT_THAT(text, HasSubstr("\nprefix = \"2001:db8:64::/96\"\n"));
  EXPECT_THAT(text, HasSubstr("\nforce = true\n"));
  EXPECT_THAT(text, HasSubstr("\ncontrol = \"/run/sixfour/clat-clat0.sock\"\n"));
  EXPECT_EQ(again->uplink, "wwan0");
  EXPECT_EQ(again->prefix, c->prefix);
  EXPECT_EQ(again->probe, c->probe);
  EXPECT_TRUE(again->force);
  EXPECT_EQ(again->mtu, 1400);
}

TEST(ClatConfig, PrintConfigDefaults) {
  auto c = validate(ConfigInput{});
  ASSERT_TRUE(c) << c.error();
  const std::string text = render_toml(*c);
  EXPECT_THAT(text, HasSubstr("\n# uplink: not set (default the interface of the IPv6 default route)\n"));
  EXPECT_THAT(text, HasSubstr("\nprefix = \"auto\"\n"));
  EXPECT_THAT(text, HasSubstr("\nprobe = \"1.1.1.1\"\n"));
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  EXPECT_FALSE(f->uplink.has());
  auto again = validate(*f);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(render_toml(*again), text);
}
