#include "clat/decision.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace sixfour::clat {

std::string_view name(State s) {
  static constexpr std::string_view kNames[] = {"inactive", "active", "active-behind-native"};
  return kNames[static_cast<size_t>(s)];
}

std::string_view name(Action a) {
  static constexpr std::string_view kNames[] = {"activate", "deactivate", "readdress", "change-prefix",
                                                "change-metric"};
  return kNames[static_cast<size_t>(a)];
}

namespace {

Decision inactive(std::string reason) { return {State::Inactive, std::move(reason), 0}; }

// Above the native route's metric, and never below kRouteMetric.
uint32_t metric_behind(uint32_t native) {
  if (native >= std::numeric_limits<uint32_t>::max()) return native;
  return std::max(kRouteMetric, native + 1);
}

}  // namespace

Decision decide(const Facts& f) {
  if (f.uplink.empty()) return inactive("no uplink: no IPv6 default route");
  if (!f.uplink_present) return inactive(fmt::format("uplink {} not present", f.uplink));
  if (!f.uplink_up) return inactive(fmt::format("uplink {} is down", f.uplink));
  if (!f.uplink_prefix) return inactive(fmt::format("uplink {} has no global IPv6 address", f.uplink));
  // RFC 6877 §6.3 / draft-ietf-v6ops-claton: a host with native IPv4 does not need the CLAT.
  if (f.native_ipv4_metric && !f.force)
    return inactive(fmt::format("native IPv4 default route (metric {}): not needed (--force runs beside it)",
                                *f.native_ipv4_metric));
  if (!f.nat64_prefix) return inactive("no working NAT64 prefix yet");
  if (f.native_ipv4_metric) {
    const uint32_t m = metric_behind(*f.native_ipv4_metric);
    return {State::ActiveBehindNative,
            fmt::format("beside native IPv4 (--force): route metric {} above the native {}, NAT64 prefix {}", m,
                        *f.native_ipv4_metric, f.nat64_prefix->str()),
            m};
  }
  return {State::Active, fmt::format("IPv6-only uplink {}, NAT64 prefix {}", f.uplink, f.nat64_prefix->str()),
          kRouteMetric};
}

std::vector<Action> Lifecycle::update(const Facts& f) {
  Decision next = decide(f);
  std::vector<Action> actions;
  if (!decision_.active() && next.active()) {
    actions.push_back(Action::Activate);
    ++activations_;
  } else if (decision_.active() && !next.active()) {
    actions.push_back(Action::Deactivate);
  } else if (next.active()) {
    if (f.uplink != facts_.uplink || f.uplink_prefix != facts_.uplink_prefix) actions.push_back(Action::Readdress);
    if (f.nat64_prefix != facts_.nat64_prefix) actions.push_back(Action::ChangePrefix);
    if (next.metric != decision_.metric) actions.push_back(Action::ChangeMetric);
  }
  decision_ = std::move(next);
  facts_ = f;
  return actions;
}

void Lifecycle::abandon(std::string reason) {
  if (decision_.active() && activations_ > 0) --activations_;  // only activations carried out count
  decision_ = inactive(std::move(reason));
  facts_ = Facts{};
}

}  // namespace sixfour::clat
