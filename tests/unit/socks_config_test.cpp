// `sixfour socks` configuration: the TOML form and its "must be" errors, command-line precedence,
// and --print-config read back as a config file.
#include "socks/config.hpp"
#include "print_config_round_trip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sixfour::socks {
namespace {

using ::testing::HasSubstr;

TEST(SocksConfig, TomlErrorsSayMustBe) {
  auto r = parse_toml("listen = 5\n", "s.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "s.toml: listen must be an array of strings");
  r = parse_toml("lisen = \"x\"\n", "s.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(
      r.error(),
      "s.toml: unknown key \"lisen\" (known: listen, users, allow, deny-private, nat64-prefix, control, metrics, user, "
      "idle-timeout, handshake-timeout, max-per-client, workers, log-connections, max-handshakes-per-client)");
}

TEST(SocksConfig, CommandLineWins) {
  auto file = parse_toml("idle-timeout = 60\nallow = [\"10.0.0.0/8\", \"192.0.2.0/24\"]\n", "s.toml");
  ASSERT_TRUE(file) << file.error();
  ConfigInput cli;
  cli.allow.set({"198.51.100.0/24"});
  auto s = validate(merge(*file, cli));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->idle_timeout.count(), 60);
  ASSERT_EQ(s->allow.size(), 1u);  // the list replaces the file's whole list
  EXPECT_EQ(s->allow[0].str(), "198.51.100.0/24");
}

TEST(SocksConfig, PrintConfigRoundTrips) {
  auto in = parse_toml(
      "listen = [\"[2001:db8:6::1]:1080\", \"192.0.2.1:1081\"]\nusers = \"/etc/u\"\n"
      "allow = \"2001:db8:6::/64\"\ndeny-private = true\nnat64-prefix = \"2001:db8:64::/96\"\n"
      "idle-timeout = 30\nhandshake-timeout = \"5\"\nmax-per-client = 0\nworkers = 4\nlog-connections = true\n",
      "in.toml");
  ASSERT_TRUE(in) << in.error();
  const auto rt =
      configtest::print_config_round_trip(*in, parse_toml, validate, [](const auto& c) { return render_toml(c); });
  ASSERT_TRUE(rt.again);
  const std::string& text = rt.text;
  const auto& s = rt.first;
  const auto& again = rt.again;
  EXPECT_THAT(text, HasSubstr("\nlisten = [\"[2001:db8:6::1]:1080\", \"192.0.2.1:1081\"]\n"));
  EXPECT_THAT(text, HasSubstr("\nnat64-prefix = \"2001:db8:64::/96\"\n"));
  EXPECT_THAT(text, HasSubstr("\ncontrol = \"/run/sixfour/socks-1080.sock\"\n"));
  EXPECT_EQ(again->listen, s->listen);
  EXPECT_EQ(again->users_file, "/etc/u");
  EXPECT_TRUE(again->deny_private);
  EXPECT_EQ(again->nat64_mode, Nat64Mode::Fixed);
  EXPECT_EQ(again->handshake_timeout.count(), 5);
  EXPECT_EQ(again->max_per_client, 0u);
  EXPECT_EQ(again->workers, 4u);
  EXPECT_TRUE(again->log_connections);
}

TEST(SocksConfig, PrintConfigKeepsTheDefaultListen) {
  auto s = validate(ConfigInput{});
  ASSERT_TRUE(s) << s.error();
  const std::string text = render_toml(*s);
  EXPECT_THAT(text, HasSubstr("\n# listen: not set (default 127.0.0.1:1080 and [::1]:1080)\n"));
  EXPECT_THAT(text, HasSubstr("\nnat64-prefix = \"off\"\n"));
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  auto again = validate(*f);
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->listen_defaulted);  // still allowed to skip an unavailable [::1]
  EXPECT_TRUE(again->allow.empty());
  EXPECT_EQ(again->nat64_mode, Nat64Mode::Off);
}

}  // namespace
}  // namespace sixfour::socks
