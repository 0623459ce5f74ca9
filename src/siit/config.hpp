// `sixfour siit` configuration: the values as given (command line or TOML file), merged with the
// command line taking precedence, then validated once into the daemon's settings. Pure: no I/O, so
// every rule here is unit-tested.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config_addr.hpp"   // IcmpSource
#include "common/config_input.hpp"  // Given<T>: a value with where it came from
#include "common/result.hpp"
#include "common/metrics_http.hpp"
#include "common/run_as.hpp"
#include "common/settings.hpp"
#include "siit/settings.hpp"

namespace sixfour::siit {

// Numbers are kept as text until validation so that "--mtu abc" gets the same one-line error as
// "--mtu 70000".
struct ConfigInput {
  Given<std::string> tun;
  Given<std::string> pool6;
  Given<std::vector<std::string>> eam;      // "V6PREFIX=V4PREFIX" each
  Given<std::vector<std::string>> rfc6791;  // IPv4 prefixes
  Given<std::string> mtu;
  Given<std::string> lowest_ipv6_mtu;
  Given<std::string> icmp_rate;
  Given<std::string> icmp_rate_per_destination;
  Given<bool> allow_non_global;
  Given<std::string> udp_zero_checksum;  // "compute" | "drop"
  Given<bool> routes;
  Given<std::string> workers;
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
  Given<std::string> offload;      // "auto" | "off"
  Given<std::string> icmp_source;  // "host" | IPv4 address
  Given<std::string> fast_path;    // "auto" | "tun" | "off"
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

// Values set in `over` replace those in `base` (a list given in `over` replaces the whole list).
ConfigInput merge(ConfigInput base, const ConfigInput& over);

// Reads the TOML form: the top-level keys are the settings' names. Unknown keys and wrong types
// are errors. `file` names the source in error messages.
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

struct DaemonConfig {
  std::string tun = "siit0";
  Settings settings;
  bool routes = true;
  unsigned workers = 0;  // 0: one per online CPU (decided by the daemon, which can ask the OS)
  // TUN offloads (virtio-net header, GSO super-packets, partial checksums; io/sys/tun.hpp): "auto" uses
  // what the kernel accepts, "off" opens the plain device.
  bool offload = true;
  // The eBPF fast path (io/fastpath/siit_fast_path.hpp): auto = at the uplinks and on the TUN, tun =
  // on the TUN only, off = every packet through the daemon.
  FastPathMode fast_path = FastPathMode::Auto;
  std::string control;                     // unix socket path
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
  // icmp-source: Host is resolved by the daemon when it starts (use_icmp_source); until then
  // settings.xlat.self4/self6 hold the default rule's addresses.
  IcmpSource icmp_source;
};

inline constexpr unsigned kMaxWorkers = 256;  // MAX_TAP_QUEUES in the Linux TUN driver
inline constexpr uint16_t kDefaultMtu = 1500;

// The control socket path used when none is given.
std::string default_control_path(std::string_view tun);

// Validates every value; the error is one line naming the bad value (without the "sixfour siit: "
// prefix). Also derives xlat.self4/self6 (see self_address_rule below).
Result<DaemonConfig> validate(const ConfigInput& in);

// --print-config: the effective configuration as TOML that parse_toml reads back to the same one.
ConfigInput to_input(const DaemonConfig& cfg);
std::string render_toml(const DaemonConfig& cfg);

// Text of the rule that picks the translator's own addresses (used in --help).
inline constexpr std::string_view self_address_rule =
    "ICMP errors the translator generates itself come from self4 = the --icmp-source address if "
    "given (host: the primary IPv4 address of the interface of the host's IPv4 default route, found "
    "at start), else the first address of the first --rfc6791 prefix if given, else 192.0.0.8 "
    "(RFC 7600); and from self6 = pool6 + self4 (RFC 6052) when --pool6 is set, else the IPv6 side "
    "of the first EAM entry whose IPv4 prefix contains self4, else 64:ff9b::c000:8. Without "
    "--rfc6791, self4 is also the source of translated ICMPv6 errors from IPv6 routers that have "
    "no IPv4 address.";

// Makes `self4` the translator's IPv4 source and derives self6 from it (self_address_rule); the
// daemon calls it with the address icmp-source host resolved to.
void use_icmp_source(Settings& s, Ipv4Addr self4);

// "pool6 2001:db8:64::/96; EAM 2001:db8:6::/120 <-> 192.0.2.0/24; RFC 6791 pool 198.51.100.0/28"
std::string describe(const Settings& s);

}  // namespace sixfour::siit
