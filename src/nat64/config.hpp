// `sixfour nat64` configuration: the values as given (command line or TOML file), merged with the
// command line taking precedence, then validated once into nat64::Settings plus the daemon's own
// options. Pure: no I/O, so every rule here is unit-tested. Same shape as siit/config.hpp.
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
#include "nat64/settings.hpp"

namespace sixfour::nat64 {

// Numbers are kept as text until validation so that "--mtu abc" gets the same one-line error as
// "--mtu 70000".
struct ConfigInput {
  Given<std::string> tun;
  Given<std::string> prefix;
  Given<std::vector<std::string>> pool4;    // "ADDR[/LEN][:LO-HI]" each
  Given<std::vector<std::string>> statics;  // "PROTO,V4ADDR#PORT,V6ADDR#PORT" each (key "static")
  Given<bool> address_dependent_filtering;
  Given<bool> drop_external_syn;
  Given<std::string> udp_timeout;
  Given<std::string> icmp_timeout;
  Given<std::string> tcp_est_timeout;
  Given<std::string> tcp_trans_timeout;
  Given<std::string> mtu;
  Given<std::string> lowest_ipv6_mtu;
  Given<std::string> icmp_rate;
  Given<std::string> icmp_rate_per_destination;
  Given<bool> allow_non_global;
  Given<bool> routes;
  Given<std::string> workers;
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
  Given<std::string> offload;    // "auto" | "off"
  Given<std::string> fast_path;  // "auto" | "tun" | "off"
  Given<bool> log_sessions;
  Given<std::string> icmp_source;  // "host" | IPv4 address
  Given<std::string> instance;     // "K/N": this instance's slice of pool4 (docs/scale-out.md)
  Given<std::string> port_block_size;
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

// Values set in `over` replace those in `base` (a list given in `over` replaces the whole list).
ConfigInput merge(ConfigInput base, const ConfigInput& over);

// Reads the TOML form: top-level keys named like the long options without "--" (the settings'
// names). Unknown keys and wrong types are errors. `file` names the source.
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

struct DaemonConfig {
  std::string tun = "nat64";
  Settings settings;  // settings.log is left empty: the daemon installs it when log_sessions is set
  bool routes = true;
  unsigned workers = 0;  // 0: one per online CPU (decided by the daemon, which can ask the OS)
  // TUN offloads (virtio-net header, GSO super-packets, partial checksums; io/sys/tun.hpp): "auto" uses
  // what the kernel accepts, "off" opens the plain device.
  bool offload = true;
  // The eBPF fast path (io/fastpath/nat64_fast_path.hpp): auto = at the uplinks and on the TUN
  // (`gateway`: the TUN only), tun = on the TUN only, where it loads; off sends every packet
  // through the daemon.
  FastPathMode fast_path = FastPathMode::Auto;
  std::string control;                     // unix socket path
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
  bool log_sessions = false;
  // RFC 6146 §4 minimums the configuration goes below (allowed for labs and tests; the daemon
  // says so when it starts), e.g. "udp-timeout 2 s is below RFC 6146's 120 s".
  std::vector<std::string> warnings;
  // icmp-source: Host is resolved by the daemon when it starts (use_icmp_source); until then
  // settings.xlat.self4/self6 hold the default rule's addresses.
  IcmpSource icmp_source;
};

inline constexpr unsigned kMaxWorkers = 256;  // MAX_TAP_QUEUES in the Linux TUN driver
inline constexpr uint16_t kDefaultMtu = 1500;

// The control socket path used when none is given: /run/sixfour/nat64-TUN.sock.
std::string default_control_path(std::string_view tun);

// Validates every value; the error is one line naming the bad value (without the
// "sixfour nat64: " prefix). Also sets xlat.self4/self6 (see self_address_rule).
Result<DaemonConfig> validate(const ConfigInput& in);

// --print-config: the effective configuration as TOML that parse_toml reads back to the same one.
ConfigInput to_input(const DaemonConfig& cfg);
std::string render_toml(const DaemonConfig& cfg);

// Scale-out (docs/scale-out.md): instance `k` of `n` (n a power of two) takes part k of each pool4
// prefix split in n equal parts, so that instances sharing one configuration never share an
// address. The error names the entry too small to split.
Result<std::vector<Pool4Entry>> pool4_slice(const std::vector<Pool4Entry>& pool, unsigned k, unsigned n);

// "ADDR[/LEN]:LO-HI" of a pool4 entry, as parse_pool4 reads it.
std::string pool4_text(const Pool4Entry& p);

inline constexpr std::string_view self_address_rule =
    "ICMP errors the translator generates itself come from the --icmp-source address if given "
    "(host: the primary IPv4 address of the interface of the host's IPv4 default route, found at "
    "start), else the first pool4 address (IPv4 side), and from that address embedded in the "
    "prefix (IPv6 side).";

// Makes `self4` the translator's IPv4 source and self6 = prefix + self4 (self_address_rule); the
// daemon calls it with the address icmp-source host resolved to.
void use_icmp_source(Settings& s, Ipv4Addr self4);

// "prefix 2001:db8:64::/96; pool4 203.0.113.1 ports 1024-65535; static tcp 203.0.113.1#8080 <-> "
// "[2001:db8:6::2]#80; endpoint-independent filtering"
std::string describe(const Settings& s);

// "tcp" / "udp" / "icmp" for an IPv6-side protocol number.
std::string_view proto_name(uint8_t proto);

}  // namespace sixfour::nat64
