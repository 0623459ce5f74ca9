// `sixfour clat` configuration (464XLAT on the host, RFC 6877): the values as given (command line
// or TOML file), merged with the command line taking precedence, then validated once into the
// daemon's settings. Pure: no I/O. The daemon itself is not built yet (docs/clat.md).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "addr/ip.hpp"
#include "common/config_input.hpp"  // Given<T>: a value with where it came from
#include "common/result.hpp"
#include "common/metrics_http.hpp"
#include "common/run_as.hpp"
#include "common/settings.hpp"

namespace sixfour::clat {

// Numbers are kept as text until validation (see siit/config.hpp).
struct ConfigInput {
  Given<std::string> uplink;
  Given<std::string> prefix;  // PREFIX | "auto"
  Given<std::string> probe;   // IPV4
  Given<bool> force;
  Given<std::string> tun;
  Given<std::string> mtu;
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

// Values set in `over` replace those in `base`.
ConfigInput merge(ConfigInput base, const ConfigInput& over);

// Reads the TOML form: the top-level keys are the settings' names. `file` names the source in errors.
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

// The probe target when none is given: a public anycast address that answers ICMP echo from
// anywhere (the IPv4 literal `sixfour doctor` probes too). It must be global: a prefix is probed by
// embedding it (RFC 6052), and the well-known prefix carries only global addresses (§3.1).
inline constexpr Ipv4Addr kDefaultProbe{{1, 1, 1, 1}};
inline constexpr uint16_t kDefaultMtu = 1500;

struct DaemonConfig {
  std::string uplink;                // empty: the interface of the IPv6 default route
  std::optional<Ipv6Prefix> prefix;  // nullopt: auto (the discovery ladder, clat/prefix_ladder.hpp)
  Ipv4Addr probe = kDefaultProbe;
  bool force = false;  // run beside native IPv4, with the CLAT's route at a higher metric
  std::string tun = "clat0";
  uint16_t mtu = kDefaultMtu;
  std::string control;                     // unix socket path
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
};

// The control socket path used when none is given.
std::string default_control_path(std::string_view tun);

// Validates every value; the error is one line naming the bad value (without "sixfour clat: ").
Result<DaemonConfig> validate(const ConfigInput& in);

// --print-config: the effective configuration as TOML that parse_toml reads back to the same one.
ConfigInput to_input(const DaemonConfig& cfg);
std::string render_toml(const DaemonConfig& cfg);

}  // namespace sixfour::clat
