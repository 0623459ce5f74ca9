// Seeds of fuzz/config_fuzz.cpp: a byte choosing the daemon (0 siit, 1 nat64, 2 dns64, 3 socks,
// 4 gateway, 5 clat, 6 resolv.conf), then a config file: the files of the config tests' round
// trips, and what each daemon's --print-config (render_toml) prints for them, notes included.
#include <algorithm>
#include <string>

#include "clat/config.hpp"
#include "dns64/config.hpp"
#include "fuzz_seeds.hpp"
#include "nat64/config.hpp"
#include "siit/config.hpp"
#include "socks/config.hpp"

using namespace sixfour;
using fuzzseeds::Bytes;

namespace {

Bytes text(uint8_t daemon, const std::string& s) {
  Bytes b(1 + s.size(), daemon);  // one allocation (insert here trips GCC 12's -Warray-bounds)
  std::copy(s.begin(), s.end(), b.begin() + 1);
  return b;
}

// The file itself and, when it validates, what --print-config prints for it.
template <typename Parse, typename Validate, typename Render>
void add(fuzzseeds::Seeds& s, const char* name, uint8_t daemon, const std::string& file, Parse parse, Validate validate,
         Render render) {
  s.emplace_back(name, text(daemon, file));
  auto in = parse(file, "seed.toml");
  if (!in) return;
  auto c = validate(*in);
  if (c) s.emplace_back(std::string(name) + "-printed", text(daemon, render(*c)));
}

}  // namespace

SIXFOUR_FUZZ_SEEDS(config) {
  fuzzseeds::Seeds s;
  add(s, "siit", 0,
      "tun = \"x64\"\npool6 = \"2001:db8:64::/96\"\neam = [\"2001:db8:6::/120=192.0.2.0/24\"]\n"
      "rfc6791 = [\"198.51.100.0/28\"]\nmtu = 9000\nlowest-ipv6-mtu = 1400\nallow-non-global = true\n"
      "udp-zero-checksum = \"drop\"\nroutes = false\nworkers = 3\noffload = \"off\"\n",
      siit::parse_toml, siit::validate, [](const auto& c) { return siit::render_toml(c); });
  add(s, "nat64", 1,
      "tun = \"n64\"\nprefix = \"2001:db8:64::/96\"\npool4 = [\"203.0.113.1\", \"192.0.2.0/31:2000-2001\"]\n"
      "static = [\"udp,203.0.113.1#5353,2001:db8:6::2#53\"]\naddress-dependent-filtering = true\n"
      "drop-external-syn = true\nudp-timeout = 2\nicmp-timeout = \"30\"\ntcp-est-timeout = 8000\n"
      "tcp-trans-timeout = 250\nmtu = 1400\nallow-non-global = true\nroutes = false\nworkers = 2\n"
      "control = \"/tmp/n.sock\"\nlog-sessions = true\noffload = \"off\"\n",
      nat64::parse_toml, nat64::validate, [](const auto& c) { return nat64::render_toml(c); });
  dns64::Defaults host;
  host.upstreams = {*dns64::parse_endpoint("192.0.2.53")};
  host.threads = 2;
  add(
      s, "dns64", 2,
      "listen = \"[2001:db8:6::1]:5353\"\nprefix = \"2001:db8:64::/96\"\nexclude = [\"2001:db8:bad::/48\"]\n"
      "threads = 3\ncache-size = 16\n",
      dns64::parse_toml, [&](const auto& in) { return dns64::validate(in, host); },
      [](const auto& c) { return dns64::render_toml(c); });
  add(s, "socks", 3,
      "listen = [\"[2001:db8:6::1]:1080\", \"192.0.2.1:1081\"]\nusers = \"/etc/u\"\n"
      "allow = \"2001:db8:6::/64\"\ndeny-private = true\nnat64-prefix = \"2001:db8:64::/96\"\n"
      "idle-timeout = 30\nhandshake-timeout = \"5\"\nmax-per-client = 0\nworkers = 4\nlog-connections = true\n",
      socks::parse_toml, socks::validate, [](const auto& c) { return socks::render_toml(c); });
  s.emplace_back("gateway", text(4,
                                 "inside = \"eth-c6\"\npool4 = [\"192.0.2.0/31:2000-2999\"]\n"
                                 "upstream = \"198.51.100.2:5353\"\ndns-threads = 2\nworkers = 4\noffload = \"off\"\n"
                                 "mtu = 1400\nallow-non-global = true\n"));
  s.emplace_back("gateway-shared", text(4, "inside = [\"eth-c6\"]\n"));
  add(s, "clat", 5,
      "uplink = \"wlan0\"\nprefix = \"2001:db8:64::/96\"\nprobe = \"203.0.113.1\"\nforce = true\ntun = \"c4\"\n"
      "mtu = 1480\ncontrol = \"/tmp/f.sock\"\n",
      clat::parse_toml, clat::validate, [](const auto& c) { return clat::render_toml(c); });
  s.emplace_back("resolv-conf", text(6,
                                     "# resolv.conf\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"
                                     "search example.test\noptions edns0\n"));
  s.emplace_back("strings", text(0, "# caf\xc3\xa9\ntun = '''x64'''\npool6 = \"\"\"2001:db8:64::/96\\\n  \"\"\"\n"));
  return s;
}
