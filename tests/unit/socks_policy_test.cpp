// Happy Eyeballs ordering (RFC 8305 §4), NAT64 synthesis (RFC 6052) and discovery (RFC 7050),
// client allow lists, private targets, the users file and the socks configuration.
#include <gtest/gtest.h>

#include "socks/config.hpp"
#include "socks/policy.hpp"
#include "socks/users.hpp"

namespace sixfour::socks {
namespace {

Address v6(std::string_view s, uint16_t port = 80) { return Address::v6(Ipv6Addr::parse(s)->b, port); }
Address v4(std::string_view s, uint16_t port = 80) { return Address::v4(Ipv4Addr::parse(s)->b, port); }

TEST(HappyEyeballs, Rfc8305Section4InterleavesFamilies) {
  const std::vector<Address> in{v6("2001:db8::1"), v6("2001:db8::2"), v6("2001:db8::3"), v4("192.0.2.1"),
                                v4("192.0.2.2")};
  const std::vector<Address> want{v6("2001:db8::1"), v4("192.0.2.1"), v6("2001:db8::2"), v4("192.0.2.2"),
                                  v6("2001:db8::3")};
  EXPECT_EQ(order_attempts(in, std::nullopt), want);
}

TEST(HappyEyeballs, StartsWithTheResolversFirstFamilyAndDropsDuplicates) {
  const std::vector<Address> in{v4("192.0.2.1"), v4("192.0.2.1"), v6("2001:db8::1")};
  const std::vector<Address> want{v4("192.0.2.1"), v6("2001:db8::1")};
  EXPECT_EQ(order_attempts(in, std::nullopt), want);
}

TEST(HappyEyeballs, Nat64SynthesisFollowsEachIpv4Address) {
  auto pref = Ipv6Prefix::parse("2001:db8:64::/96");
  const std::vector<Address> want{v4("198.51.100.2"), v6("2001:db8:64::c633:6402")};
  EXPECT_EQ(order_attempts({v4("198.51.100.2")}, *pref), want);
}

TEST(ClientAllow, Ipv4Ipv6AndMapped) {
  std::vector<IpPrefix> allow{*IpPrefix::parse("192.0.2.0/24"), *IpPrefix::parse("2001:db8:6::/64")};
  EXPECT_TRUE(client_allowed({}, v4("203.0.113.9")));
  EXPECT_TRUE(client_allowed(allow, v4("192.0.2.7")));
  EXPECT_FALSE(client_allowed(allow, v4("192.0.3.7")));
  EXPECT_TRUE(client_allowed(allow, v6("2001:db8:6::2")));
  EXPECT_FALSE(client_allowed(allow, v6("2001:db8:7::2")));
  EXPECT_TRUE(client_allowed(allow, v6("::ffff:192.0.2.7")));
  EXPECT_FALSE(IpPrefix::parse("192.0.2.1/24").ok());
}

TEST(PrivateTargets, DenyPrivate) {
  auto pref = Ipv6Prefix::parse("2001:db8:64::/96").value();
  for (auto s : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0"})
    EXPECT_TRUE(is_private_target(v4(s), std::nullopt)) << s;
  EXPECT_FALSE(is_private_target(v4("198.51.100.2"), std::nullopt));
  for (auto s : {"::1", "::", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "ff02::1"})
    EXPECT_TRUE(is_private_target(v6(s), std::nullopt)) << s;
  EXPECT_FALSE(is_private_target(v6("2001:db8:d5::2"), std::nullopt));
  EXPECT_TRUE(is_private_target(v6("2001:db8:64::a00:1"), pref));
  EXPECT_FALSE(is_private_target(v6("2001:db8:64::c633:6402"), pref));
}

TEST(Users, ParsesAndNamesTheBadLine) {
  auto u = parse_users("# comment\n\nalice:$y$j9T$abc$def\r\nbob:$6$salt$hash\n", "u.txt");
  ASSERT_TRUE(u.ok()) << u.error();
  ASSERT_EQ(u->size(), 2u);
  EXPECT_EQ((*u)[0].user, "alice");
  EXPECT_EQ((*u)[0].hash, "$y$j9T$abc$def");
  EXPECT_EQ((*u)[1].user, "bob");
  EXPECT_EQ(parse_users("alice\n", "u.txt").error(), "u.txt:1: no ':' between user and hash");
  EXPECT_NE(parse_users("a:$1\na:$2\n", "u.txt").error().find("u.txt:2:"), std::string::npos);
  EXPECT_NE(parse_users(":$1\n", "u.txt").error().find("1..255"), std::string::npos);
  EXPECT_NE(parse_users("a:plain\n", "u.txt").error().find("crypt(3)"), std::string::npos);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(SocksConfig, DefaultsAreLoopbackOnly) {
  auto s = validate(ConfigInput{});
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ(s->listen.size(), 2u);
  EXPECT_EQ(s->listen[0], v4("127.0.0.1", 1080));
  EXPECT_EQ(s->listen[1], v6("::1", 1080));
  EXPECT_EQ(s->control, "/run/sixfour/socks-1080.sock");
  EXPECT_EQ(s->nat64_mode, Nat64Mode::Off);
}

TEST(SocksConfig, TomlAndCommandLinePrecedence) {
  auto file = parse_toml(
      "listen = [\"[2001:db8:6::1]:1080\"]\nallow = \"2001:db8:6::/64\"\ndeny-private = true\n"
      "nat64-prefix = \"2001:db8:64::/96\"\nidle-timeout = 60\nlog-connections = true\n",
      "s.toml");
  ASSERT_TRUE(file.ok()) << file.error();
  ConfigInput cli;
  cli.idle_timeout.set("30");
  auto s = validate(merge(*file, cli));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->listen.at(0), v6("2001:db8:6::1", 1080));
  EXPECT_TRUE(s->deny_private);
  EXPECT_TRUE(s->log_connections);
  EXPECT_EQ(s->idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(s->nat64_mode, Nat64Mode::Fixed);
  EXPECT_EQ(s->nat64->str(), "2001:db8:64::/96");
  ASSERT_EQ(s->allow.size(), 1u);
}

TEST(SocksConfig, OneLineErrorsNameTheValue) {
  ConfigInput in;
  in.listen.set({"1.2.3.4"});
  EXPECT_EQ(validate(in).error(), "--listen \"1.2.3.4\": expected IPV4:PORT or [IPV6]:PORT");
  in.listen.set({"[::1]:0"});
  EXPECT_EQ(validate(in).error(), "--listen \"[::1]:0\": port must be 1..65535");
  ConfigInput n;
  n.nat64_prefix.set("2001:db8::/33");
  EXPECT_NE(validate(n).error().find("--nat64-prefix \"2001:db8::/33\""), std::string::npos);
  EXPECT_EQ(parse_toml("bogus = 1\n", "f.toml").error().substr(0, 28), "f.toml: unknown key \"bogus\" ");
  ConfigInput t;
  t.idle_timeout.set("0", "f.toml");
  EXPECT_EQ(validate(t).error(), "f.toml: idle-timeout = \"0\": must be 1..604800 seconds");
}

}  // namespace
}  // namespace sixfour::socks
