// The TOML config readers of every daemon (src/*/config.cpp on src/common/config_toml.*): the
// text is parsed, then validated as `--config FILE` is. Input: a byte choosing the daemon (low 3
// bits: siit, nat64, dns64, socks, gateway, clat; 6 and 7 read the text as /etc/resolv.conf for
// dns64's upstreams), then the text.
//
// Oracles: reading never throws and either succeeds or fails with a message; a configuration that
// validates is printed by --print-config's render_toml as TOML that reads back and validates to a
// configuration printed as the same text (for the gateway, the same apart from the notes after
// values: what was found or chosen on the host is "configured" once read back).
#include <sstream>
#include <string>
#include <string_view>

#include "clat/config.hpp"
#include "dns64/config.hpp"
#include "fuzz_target.hpp"
#include "gateway/config.hpp"
#include "nat64/config.hpp"
#include "siit/config.hpp"
#include "socks/config.hpp"
#include "printed_config.hpp"

using namespace sixfour;

namespace {

using fuzz::without_notes;

void failed(const char* what, const std::string& message, const std::string& text) {
  std::fprintf(stderr, "%s: %s\n--- text:\n%s\n", what, message.c_str(), text.c_str());
}

template <typename Parse, typename Validate, typename Render>
void round_trip(std::string_view text, Parse parse, Validate validate, Render render, bool notes = false) {
  auto in = parse(text, "fuzz.toml");
  if (!in) return SIXFOUR_FUZZ_CHECK(!in.error().empty());
  auto c = validate(*in);
  if (!c) return SIXFOUR_FUZZ_CHECK(!c.error().empty());
  const std::string printed = render(*c);
  auto in2 = parse(printed, "printed.toml");
  if (!in2) failed("the printed TOML does not parse", in2.error(), printed);
  SIXFOUR_FUZZ_CHECK(static_cast<bool>(in2));
  auto c2 = validate(*in2);
  if (!c2) failed("the printed TOML does not validate", c2.error(), printed);
  SIXFOUR_FUZZ_CHECK(static_cast<bool>(c2));
  const std::string again = render(*c2);
  const bool same = notes ? without_notes(again) == without_notes(printed) : again == printed;
  if (!same) failed("printed again differently", again, printed);
  SIXFOUR_FUZZ_CHECK(same);
}

dns64::Defaults dns64_defaults() {
  dns64::Defaults d;
  d.upstreams = {*dns64::parse_endpoint("192.0.2.53")};
  d.allow = {*IpPrefix::parse("127.0.0.0/8"), *IpPrefix::parse("::1")};
  d.threads = 2;
  return d;
}

gateway::HostAddress host_address(std::string iface, std::string_view addr, uint8_t len) {
  gateway::HostAddress h;
  h.iface = std::move(iface);
  h.v6 = addr.find(':') != std::string_view::npos;
  if (h.v6)
    h.a6 = *Ipv6Addr::parse(addr);
  else
    h.a4 = *Ipv4Addr::parse(addr);
  h.len = len;
  return h;
}

// The lab's gateway host (tests/unit/gateway_config_test.cpp): eth-c6 faces the IPv6-only
// clients, eth-s4 has the host's one IPv4 address.
gateway::HostFacts gateway_host() {
  gateway::HostFacts h;
  h.interfaces = {"lo", "eth-c6", "eth-s4"};
  h.addresses = {host_address("lo", "127.0.0.1", 8), host_address("lo", "::1", 128),
                 host_address("eth-c6", "2001:db8:6::1", 64), host_address("eth-c6", "fe80::1", 64),
                 host_address("eth-s4", "198.51.100.1", 24)};
  h.ephemeral = {32768, 60999};
  h.resolvers = {*dns64::parse_endpoint("198.51.100.2")};
  return h;
}

void resolv_conf(std::string_view text) {
  for (const dns64::Endpoint& e : dns64::parse_resolv_conf(text)) {
    // What it found is an endpoint that the upstream setting reads back as itself.
    const std::string s = e.str();
    auto back = dns64::parse_endpoint(s);
    if (!back) failed("an upstream from resolv.conf does not read back", back.error(), s);
    SIXFOUR_FUZZ_CHECK(back && *back == e);
  }
}

}  // namespace

SIXFOUR_FUZZ_TARGET(config) {
  if (input.empty()) return;
  const std::string_view text(reinterpret_cast<const char*>(input.data()) + 1, input.size() - 1);
  auto render = [](const auto& c) { return siit::render_toml(c); };
  switch (input[0] & 7) {
    case 0:
      return round_trip(text, siit::parse_toml, siit::validate, render);
    case 1:
      return round_trip(text, nat64::parse_toml, nat64::validate, [](const auto& c) { return nat64::render_toml(c); });
    case 2: {
      static const dns64::Defaults d = dns64_defaults();
      return round_trip(
          text, dns64::parse_toml, [](const auto& in) { return dns64::validate(in, d); },
          [](const auto& c) { return dns64::render_toml(c); });
    }
    case 3:
      return round_trip(text, socks::parse_toml, socks::validate, [](const auto& c) { return socks::render_toml(c); });
    case 4: {
      static const gateway::HostFacts h = gateway_host();
      return round_trip(
          text, gateway::parse_toml, [](const auto& in) { return gateway::validate(in, h); },
          [](const auto& c) { return gateway::render_toml(c); }, true);
    }
    case 5:
      return round_trip(text, clat::parse_toml, clat::validate, [](const auto& c) { return clat::render_toml(c); });
    default:
      return resolv_conf(text);
  }
}
