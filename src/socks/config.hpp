// `sixfour socks` configuration: values from the command line and a TOML file, merged (command
// line wins) and validated once. Pure.
#pragma once
#include <chrono>
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
#include "socks/policy.hpp"
#include "socks/protocol.hpp"

namespace sixfour::socks {

struct ConfigInput {
  Given<std::vector<std::string>> listen;  // "ADDR:PORT", "[V6]:PORT"
  Given<std::string> users;
  Given<std::vector<std::string>> allow;
  Given<bool> deny_private;
  Given<std::string> nat64_prefix;  // PREFIX | "auto"
  Given<std::string> control;
  Given<std::string> user;
  Given<std::string> metrics;
  Given<std::string> idle_timeout;       // seconds
  Given<std::string> handshake_timeout;  // seconds
  Given<std::string> max_per_client;
  Given<std::string> max_handshakes_per_client;
  Given<std::string> workers;
  Given<bool> log_connections;
};

// Every setting, declared once (common/settings.hpp): flags, TOML keys, defaults, help.
SettingTable<ConfigInput> settings();

ConfigInput merge(ConfigInput base, const ConfigInput& over);

// Keys: the settings' names. Errors worded "FILE: KEY must be ..." (TomlStyle::MustBe).
Result<ConfigInput> parse_toml(std::string_view text, const std::string& file);

enum class Nat64Mode : uint8_t { Off, Fixed, Auto };

struct Settings {
  std::vector<Address> listen;  // Ipv4/Ipv6 with port
  bool listen_defaulted = false;
  std::string users_file;
  std::vector<IpPrefix> allow;
  bool deny_private = false;
  Nat64Mode nat64_mode = Nat64Mode::Off;
  std::optional<Ipv6Prefix> nat64;  // Fixed
  std::string control;
  RunAs run_as;                            // user
  std::optional<MetricsEndpoint> metrics;  // --metrics: Prometheus exposition, off when unset
  std::chrono::seconds idle_timeout{300};
  std::chrono::seconds handshake_timeout{10};
  unsigned max_per_client = 256;            // concurrent connections from one client address; 0 = no limit
  unsigned max_handshakes_per_client = 16;  // of those, in the handshake; the oldest goes; 0 = no limit
  unsigned workers = 0;                     // threads; 0 = one per core
  bool log_connections = false;
};

// Loopback only: "127.0.0.1:1080" and "[::1]:1080".
inline constexpr std::string_view kDefaultListen[] = {"127.0.0.1:1080", "[::1]:1080"};

Result<Address> parse_listen(std::string_view text);
std::string default_control_path(const Settings& s);

// One-line errors naming the value: `--listen "1.2.3.4": expected ADDR:PORT ...`.
Result<Settings> validate(const ConfigInput& in);

// --print-config: the effective configuration as TOML that parse_toml reads back to the same one.
ConfigInput to_input(const Settings& s);
std::string render_toml(const Settings& s);

}  // namespace sixfour::socks
