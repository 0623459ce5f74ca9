// `sixfour gateway` configuration: NAT64 (RFC 6146) and DNS64 (RFC 6147) in one process with one
// shared RFC 6052 prefix, from built-in defaults, a TOML file and the command line (command line
// wins). Pure: what it needs from the host (interfaces and addresses, the kernel's ephemeral port
// range, resolv.conf) is passed in as HostFacts, so every rule here is unit-tested.
//
// Two ways to get IPv4 addresses for the NAT64:
//   routed: pool4 is configured and is not an address of this host. It is routed into the TUN,
//           exactly as `sixfour nat64 --pool4` does; nothing else is steered.
//   shared: no pool4 (the host's single IPv4 address is taken), or pool4 is one address of this
//           host. The address stays the kernel's; the NAT64 core translates to an internal
//           address routed into the TUN, and sixfour's own nftables table source-NATs that
//           internal address to the host address, within a port range disjoint from the kernel's
//           ephemeral ports (see choose_ports). Conntrack reverses the mapping for replies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "common/config_input.hpp"
#include "common/result.hpp"
#include "common/metrics_http.hpp"
#include "common/run_as.hpp"
#include "common/settings.hpp"
#include "dns64/config.hpp"
#include "nat64/config.hpp"

namespace sixfour::gateway {

// Numbers stay text until validation, as in the other modules.
struct ConfigInput {
  Given<std::vector<std::string>> inside;  // interfaces facing the IPv6-only clients
  Given<std::string> tun;
  Given<std::string> prefix;
  Given<std::vector<std::string>> pool4;  // ADDR[/LEN][:LO-HI] each
  Given<std::string> ports;               // LO-HI, shared mode only
  Given<std::string> internal4;           // shared mode only
  Given<std::vector<std::string>> dns_listen;
  Given<std::vector<std::string>> upstream;
  Given<std::vector<std::string>> dns_allow;
  Given<std::string> dns_threads;
  Given<std::string> workers;
  Given<std::string> offload;    // "auto" | "off", as for `sixfour nat64`
  Given<std::string> fast_path;  // "auto" | "tun" | "off", as for `sixfour nat64`
  Given<std::string> mtu;
  Given<bool> allow_non_global;
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
  Given<std::string> icmp_source;  // as for `sixfour nat64`
  Given<std::string> icmp_rate;    // as for `sixfour nat64`
  Given<std::string> icmp_rate_per_destination;
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

ConfigInput merge(ConfigInput base, const ConfigInput& over);

// Top-level keys named like the long options (the settings' names).
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

struct PortRange {
  uint16_t lo = 0, hi = 0;
  uint32_t size() const { return hi >= lo ? uint32_t{hi} - lo + 1 : 0; }
  bool overlaps(const PortRange& o) const { return lo <= o.hi && o.lo <= hi; }
  std::string str() const;  // "LO-HI"
  bool operator==(const PortRange&) const = default;
};
Result<PortRange> parse_port_range(std::string_view text);  // "LO-HI", 1 <= LO <= HI <= 65535
// /proc/sys/net/ipv4/ip_local_port_range: two numbers separated by blanks ("32768\t60999\n").
Result<PortRange> parse_ip_local_port_range(std::string_view text);

// The fewest ports a shared-mode range may have (one inside host's browser opens hundreds).
inline constexpr uint32_t kMinSharedPorts = 1024;

// The ports sixfour takes on a shared address when none are configured: the larger of the two
// gaps that the kernel's ephemeral range leaves in 1024-65535 (below it or above it; above wins
// a tie). Ports under 1024 are never taken (RFC 6335 §6: system ports). With Linux's default
// 32768-60999 this is 1024-32767. Disjoint, so the kernel's own connect()s never meet a port
// sixfour mapped (conntrack would then silently remap the kernel's port) and sixfour's ports are
// kept by the SNAT. Error when the larger gap has fewer than kMinSharedPorts ports.
Result<PortRange> choose_ports(const PortRange& ephemeral);

// The address the NAT64 core translates to in shared mode, routed into the TUN and source-NATed
// to the host address; it never leaves the host. 192.0.0.0/29 is RFC 7335's IPv4 Service
// Continuity Prefix, reserved for exactly such host-internal addresses of translators (DS-Lite
// B4s, 464XLAT CLATs) and never routed on the Internet; a host with native IPv4 runs neither of
// those. .6 avoids the addresses implementations use (.1 AFTR, .2 B4, .4 Android's CLAT).
inline constexpr std::string_view kDefaultInternal4 = "192.0.0.6";
inline constexpr std::string_view kDefaultTun = "sixfour0";

// What the host looks like (filled in by io::discover_host).
struct HostAddress {
  std::string iface;
  bool v6 = false;
  Ipv4Addr a4;
  Ipv6Addr a6;
  uint8_t len = 0;  // on-link prefix length
};
struct HostFacts {
  std::vector<std::string> interfaces;
  std::vector<HostAddress> addresses;
  PortRange ephemeral{32768, 60999};
  std::vector<dns64::Endpoint> resolvers;  // /etc/resolv.conf
};

// What the steering (nftables table, routes) is made from.
struct Steering {
  std::string tun;
  std::vector<std::string> inside;
  bool shared = false;
  Ipv4Addr host4;      // shared: the host's address the internal one is NATed to
  Ipv4Addr internal4;  // shared: the NAT64 core's pool4 address
  PortRange ports;     // shared: the ports on host4
};

// "sixfour_" + the TUN name with every character outside [A-Za-z0-9_] replaced by '_'.
std::string table_name(std::string_view tun);
// The whole table, `table inet sixfour_TUN { ... }`: IPv6 may be forwarded into the TUN only from
// the inside interfaces (the NAT64 serves them, nobody else); in shared mode also the SNAT of the
// internal address and a drop of packets addressed to it from anywhere but the TUN.
std::string nft_ruleset(const Steering& s);
// One nftables transaction that replaces any table of that name (a stale one from a crash
// included) with nft_ruleset: "add table ...; delete table ...; table ... { ... }".
std::string nft_apply_script(const Steering& s);
std::string nft_delete_script(std::string_view tun);

struct GatewayConfig {
  Steering steering;
  nat64::DaemonConfig nat64;  // nat64.control is the gateway's control socket
  dns64::DaemonConfig dns64;
  std::string control;
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
  PortRange ephemeral;                     // as read from the host, for the log and --print-config
  bool ports_chosen = false;               // shared mode: ports picked by choose_ports (not configured)
  std::string pool4_from;                  // "configured" / "the host's only IPv4 address (IFACE)"
};

std::string default_control_path(std::string_view tun);  // /run/sixfour/gateway-TUN.sock

// Validates every value against the host; one-line errors naming the bad value.
Result<GatewayConfig> validate(const ConfigInput& in, const HostFacts& host);

// --print-config: the effective configuration as TOML (usable as --config), with the steering it
// would install as comments.
ConfigInput to_input(const GatewayConfig& cfg);
std::string render_toml(const GatewayConfig& cfg);

}  // namespace sixfour::gateway
