// `sixfour dns64` configuration: values from the command line or a TOML file, merged (command line
// wins) and validated once into the daemon's settings, with one-line errors naming the bad value.
// Pure: the defaults that need the system (resolv.conf nameservers, on-link networks) are passed in.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "common/config_input.hpp"  // Given<T>
#include "common/result.hpp"
#include "common/metrics_http.hpp"
#include "common/run_as.hpp"
#include "common/settings.hpp"
#include "dns64/synth.hpp"

namespace sixfour::dns64 {

struct ConfigInput {
  Given<std::vector<std::string>> listen;    // ADDR:PORT, [V6]:PORT, or ADDR (port 53)
  Given<std::vector<std::string>> upstream;  // same forms
  Given<std::string> prefix;
  Given<std::vector<std::string>> exclude;  // IPv6 prefixes
  Given<std::vector<std::string>> allow;    // client networks (either family)
  Given<std::string> threads;
  Given<std::string> cache_size;  // MiB
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
  Given<std::string> rate_limit;  // answers a second per client prefix
  Given<std::string> rate_limit_slip;
  Given<std::string> rate_limit_ipv4_prefix;
  Given<std::string> rate_limit_ipv6_prefix;
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

ConfigInput merge(ConfigInput base, const ConfigInput& over);
// Keys: the settings' names; lists take a string or an array of strings, numbers an integer or a
// string. Unknown keys and wrong types are errors.
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

struct Endpoint {
  bool v6 = false;
  Ipv4Addr a4;
  Ipv6Addr a6;
  uint16_t port = 53;
  std::string str() const;  // "127.0.0.1:53", "[::1]:53"
  bool operator==(const Endpoint&) const = default;
};
Result<Endpoint> parse_endpoint(std::string_view text);

// Clients allowed to query (addr/ip.hpp's IpPrefix: a CIDR or a single address, either family).
bool allowed(const std::vector<IpPrefix>& nets, const Endpoint& client);

// `nameserver` lines of resolv.conf(5), port 53; others ignored.
std::vector<Endpoint> parse_resolv_conf(std::string_view text);

struct Defaults {
  std::vector<Endpoint> upstreams;  // from /etc/resolv.conf
  std::vector<IpPrefix> allow;      // loopback and the host's on-link networks
  unsigned threads = 1;             // one per core
};

struct DaemonConfig {
  std::vector<Endpoint> listen;
  std::vector<Endpoint> upstreams;
  Settings settings;
  std::vector<IpPrefix> allow;
  unsigned threads = 1;
  size_t cache_bytes = 64u << 20;
  std::string control = "/run/sixfour/dns64.sock";
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
  // Response-rate limiting (dns64/rate_limit.hpp): per_second 0 = off.
  uint32_t rate_limit = 0;
  uint32_t rate_limit_slip = 2;
  uint8_t rate_limit_ipv4_prefix = 24;
  uint8_t rate_limit_ipv6_prefix = 56;
};

Result<DaemonConfig> validate(const ConfigInput& in, const Defaults& d);

// --print-config: the effective configuration (the defaults resolved) as TOML that parse_toml
// reads back to the same one.
ConfigInput to_input(const DaemonConfig& cfg);
std::string render_toml(const DaemonConfig& cfg);

}  // namespace sixfour::dns64
