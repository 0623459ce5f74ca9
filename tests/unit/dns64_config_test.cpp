// `sixfour dns64` configuration: defaults (loopback listen, resolv.conf upstreams, local allow),
// endpoints, TOML, command-line precedence, one-line errors naming the value, the client ACL.
#include <gtest/gtest.h>

#include "dns64/config.hpp"

namespace sixfour::dns64 {
namespace {

Defaults defaults() {
  Defaults d;
  d.upstreams = {*parse_endpoint("192.0.2.53")};
  d.allow = {*IpPrefix::parse("127.0.0.0/8"), *IpPrefix::parse("::1")};
  d.threads = 2;
  return d;
}

TEST(Dns64Config, Defaults) {
  auto c = validate(ConfigInput{}, defaults());
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->listen.size(), 2u);
  EXPECT_EQ(c->listen[0].str(), "[::1]:53");
  EXPECT_EQ(c->listen[1].str(), "127.0.0.1:53");
  EXPECT_EQ(c->upstreams.at(0).str(), "192.0.2.53:53");
  EXPECT_EQ(c->settings.prefix.str(), "64:ff9b::/96");
  EXPECT_EQ(c->threads, 2u);
  EXPECT_EQ(c->control, "/run/sixfour/dns64.sock");
}

TEST(Dns64Config, Endpoints) {
  EXPECT_EQ(parse_endpoint("[2001:db8::1]:5353")->str(), "[2001:db8::1]:5353");
  EXPECT_EQ(parse_endpoint("2001:db8::1")->str(), "[2001:db8::1]:53");
  EXPECT_EQ(parse_endpoint("198.51.100.3:54")->str(), "198.51.100.3:54");
  EXPECT_FALSE(parse_endpoint("198.51.100.3:0"));
  EXPECT_FALSE(parse_endpoint("198.51.100.3:65536"));
  EXPECT_FALSE(parse_endpoint("[2001:db8::1"));
  EXPECT_FALSE(parse_endpoint("resolver.example"));
}

TEST(Dns64Config, ResolvConf) {
  auto v = parse_resolv_conf(
      "# comment\nsearch example\nnameserver 192.0.2.1\nnameserver 2001:db8::53\n"
      "nameserver fe80::1%eth0\noptions edns0\n");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].str(), "192.0.2.1:53");
  EXPECT_EQ(v[1].str(), "[2001:db8::53]:53");
}

TEST(Dns64Config, ErrorsNameTheValue) {
  ConfigInput in;
  in.prefix.set("2001:db8::/33");
  auto c = validate(in, defaults());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("--prefix \"2001:db8::/33\""), std::string::npos) << c.error();
  EXPECT_EQ(c.error().find('\n'), std::string::npos);

  ConfigInput up;
  up.upstream.set({"192.0.2.1:99999"});
  EXPECT_NE(validate(up, defaults()).error().find("--upstream \"192.0.2.1:99999\""), std::string::npos);

  ConfigInput loop;
  loop.upstream.set({"127.0.0.1"});
  EXPECT_NE(validate(loop, defaults()).error().find("forwarding loop"), std::string::npos);

  Defaults none = defaults();
  none.upstreams.clear();
  EXPECT_NE(validate(ConfigInput{}, none).error().find("no upstream"), std::string::npos);

  ConfigInput th;
  th.threads.set("0");
  EXPECT_FALSE(validate(th, defaults()));
}

TEST(Dns64Config, TomlAndPrecedence) {
  auto file = parse_toml(R"(
listen = ["[2001:db8:6::1]:53"]
upstream = "198.51.100.3"
prefix = "2001:db8:64::/96"
exclude = ["2001:db8:bad::/48"]
allow = ["2001:db8:6::/64", "192.0.2.0/24"]
threads = 4
cache-size = 8
)",
                         "d.toml");
  ASSERT_TRUE(file) << file.error();
  ConfigInput cli;
  cli.threads.set("1");
  auto c = validate(merge(*file, cli), defaults());
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->listen.at(0).str(), "[2001:db8:6::1]:53");
  EXPECT_EQ(c->upstreams.at(0).str(), "198.51.100.3:53");
  EXPECT_EQ(c->settings.prefix.str(), "2001:db8:64::/96");
  EXPECT_EQ(c->settings.exclude.at(0).str(), "2001:db8:bad::/48");
  EXPECT_EQ(c->allow.size(), 2u);
  EXPECT_EQ(c->threads, 1u);  // the command line wins
  EXPECT_EQ(c->cache_bytes, 8u << 20);

  auto bad = parse_toml("prefix = \"2001:db8::/33\"\n", "d.toml");
  ASSERT_TRUE(bad);
  auto e = validate(*bad, defaults());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("d.toml: prefix \"2001:db8::/33\""), std::string::npos) << e.error();
  EXPECT_FALSE(parse_toml("bogus = 1\n", "d.toml"));
  EXPECT_FALSE(parse_toml("threads = [1]\n", "d.toml"));
}

TEST(Dns64Config, AllowList) {
  std::vector<IpPrefix> nets = {*IpPrefix::parse("2001:db8:6::/64"), *IpPrefix::parse("192.0.2.0/24")};
  EXPECT_TRUE(allowed(nets, *parse_endpoint("[2001:db8:6::2]:1000")));
  EXPECT_FALSE(allowed(nets, *parse_endpoint("[2001:db8:7::2]:1000")));
  EXPECT_TRUE(allowed(nets, *parse_endpoint("192.0.2.9:1000")));
  EXPECT_FALSE(allowed(nets, *parse_endpoint("198.51.100.9:1000")));
  // An IPv4 client seen through a dual-stack socket as ::ffff:192.0.2.9.
  EXPECT_TRUE(allowed(nets, *parse_endpoint("[::ffff:192.0.2.9]:1000")));
  EXPECT_FALSE(allowed({}, *parse_endpoint("[::1]:1000")));
}

// ---- --print-config: the defaults resolved; the printed TOML reads back to the same configuration

TEST(Dns64Config, PrintConfigRoundTrips) {
  auto in = parse_toml(
      "listen = \"[2001:db8:6::1]:5353\"\nprefix = \"2001:db8:64::/96\"\nexclude = [\"2001:db8:bad::/48\"]\n"
      "threads = 3\ncache-size = 16\n",
      "in.toml");
  ASSERT_TRUE(in) << in.error();
  auto c = validate(*in, defaults());
  ASSERT_TRUE(c) << c.error();
  const std::string text = render_toml(*c);
  EXPECT_EQ(text,
            "# sixfour dns64: effective configuration (usable as --config)\n"
            "listen = [\"[2001:db8:6::1]:5353\"]\n"
            "upstream = [\"192.0.2.53:53\"]\n"
            "prefix = \"2001:db8:64::/96\"\n"
            "exclude = [\"2001:db8:bad::/48\"]\n"
            "allow = [\"127.0.0.0/8\", \"::1/128\"]\n"
            "threads = 3\n"
            "cache-size = 16\n"
            "control = \"/run/sixfour/dns64.sock\"\n"
            "# metrics: not set\n"
            "# user: not set (default sixfour)\n"
            "rate-limit = 0\n"
            "rate-limit-slip = 2\n"
            "rate-limit-ipv4-prefix = 24\n"
            "rate-limit-ipv6-prefix = 56\n");
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  Defaults other;  // the printed file needs none of the host's defaults
  other.threads = 9;
  auto again = validate(*f, other);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(render_toml(*again), text);
  EXPECT_EQ(again->listen, c->listen);
  EXPECT_EQ(again->upstreams, c->upstreams);
  EXPECT_EQ(again->cache_bytes, size_t{16} << 20);
}

}  // namespace
}  // namespace sixfour::dns64
