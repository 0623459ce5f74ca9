// When the CLAT translates (RFC 6877 §6.3, draft-ietf-v6ops-claton): only while the uplink has IPv6
// but the host has no native IPv4 default route, and a working NAT64 prefix is known; with --force
// also beside native IPv4, its route then at a higher metric. Pure: the daemon's netlink watcher
// gathers the facts and feeds every change to a Lifecycle, which says what to do.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"

namespace sixfour::clat {

// What the host looks like now.
struct Facts {
  std::string uplink;  // the configured uplink, or the interface of the IPv6 default route; "" = none
  bool uplink_present = false;
  bool uplink_up = false;
  // The uplink prefix the CLAT's IPv6 address comes from (its /64, or the host's /128 in shared
  // mode, clat/address.hpp choose_mode); nullopt: no global IPv6 address on the uplink.
  std::optional<Ipv6Prefix> uplink_prefix;
  std::optional<uint32_t> native_ipv4_metric;  // the native IPv4 default route's metric, if there is one
  std::optional<Ipv6Prefix> nat64_prefix;      // the discovery ladder's choice (clat/prefix_ladder.hpp)
  bool force = false;
};

enum class State : uint8_t {
  Inactive,            // nothing installed
  Active,              // the IPv4 default route goes through the CLAT
  ActiveBehindNative,  // --force: beside a native IPv4 default route, at a higher metric
};
std::string_view name(State s);  // "inactive", "active", "active-behind-native"

// The metric of the CLAT's IPv4 default route: above the usual metrics of native ones (DHCP
// clients and NetworkManager use 0 to about 800), so native IPv4 wins wherever both exist.
inline constexpr uint32_t kRouteMetric = 2048;

struct Decision {
  State state = State::Inactive;
  std::string reason;   // one line for `status`
  uint32_t metric = 0;  // of the CLAT's IPv4 default route while active

  bool active() const { return state != State::Inactive; }
  bool operator==(const Decision&) const = default;
};

// The decision for `f`, with the first reason that keeps the CLAT inactive.
Decision decide(const Facts& f);

// What the daemon does on a change, in the order given.
enum class Action : uint8_t {
  Activate,      // address, TUN, route at decision().metric, translation on
  Deactivate,    // route, address and TUN state removed: step aside
  Readdress,     // the uplink or its prefix changed: a new CLAT IPv6 address (DAD again)
  ChangePrefix,  // another NAT64 prefix: a new mapping for the translator
  ChangeMetric,  // the CLAT's route moves to decision().metric
};
std::string_view name(Action a);

// The running state: the last decision and the facts it was made on.
class Lifecycle {
 public:
  // New facts (after any netlink event, RA or probe result): the actions that take the host from
  // the previous decision to the new one. Nothing when nothing that matters changed.
  std::vector<Action> update(const Facts& f);

  // The daemon could not carry out an activation (DAD failed everywhere, a netlink error): back to
  // inactive with `reason`, so that the next update tries again.
  void abandon(std::string reason);

  const Decision& decision() const { return decision_; }
  uint64_t activations() const { return activations_; }  // Inactive -> active transitions so far

 private:
  Decision decision_ = decide(Facts{});
  Facts facts_;
  uint64_t activations_ = 0;
};

}  // namespace sixfour::clat
