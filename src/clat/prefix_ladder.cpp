#include "clat/prefix_ladder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "addr/rfc6052.hpp"

namespace sixfour::clat {

std::string_view name(PrefixSource s) {
  static constexpr std::string_view kNames[] = {"configured", "pref64", "rfc7050", "well-known"};
  return kNames[static_cast<size_t>(s)];
}

void PrefixLadder::pref64(const Ipv6Prefix& prefix, std::chrono::seconds lifetime, Clock::time_point now) {
  std::erase_if(pref64_, [&](const Pref64Entry& e) { return e.prefix == prefix || e.expires <= now; });
  if (lifetime.count() > 0) pref64_.push_back({prefix, now, now + lifetime});
}

void PrefixLadder::rfc7050(std::span<const Ipv6Prefix> prefixes) { rfc7050_.assign(prefixes.begin(), prefixes.end()); }

void PrefixLadder::probed(const Ipv6Prefix& prefix, bool works) {
  std::erase_if(probes_, [&](const Probe& p) { return p.prefix == prefix; });
  probes_.push_back({prefix, works});
}

const PrefixLadder::Probe* PrefixLadder::probe_of(const Ipv6Prefix& p) const {
  auto it = std::find_if(probes_.begin(), probes_.end(), [&](const Probe& x) { return x.prefix == p; });
  return it == probes_.end() ? nullptr : &*it;
}

// The most recently received PREF64 whose lifetime still runs.
const PrefixLadder::Pref64Entry* PrefixLadder::live_pref64(Clock::time_point now) const {
  const Pref64Entry* best = nullptr;
  for (const Pref64Entry& e : pref64_)
    if (e.expires > now && (!best || e.received >= best->received)) best = &e;
  return best;
}

namespace {

// A rung that needs a probe: the candidates in order and where they came from.
struct Candidate {
  Ipv6Prefix prefix;
  PrefixSource source;
};

}  // namespace

PrefixChoice PrefixLadder::choose(Clock::time_point now) const {
  PrefixChoice c;
  if (configured_) {
    c.prefix = configured_;
    c.source = PrefixSource::Configured;
    c.status = fmt::format("{} (configured)", configured_->str());
    return c;
  }
  if (const Pref64Entry* e = live_pref64(now)) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(e->expires - now).count();
    c.prefix = e->prefix;
    c.source = PrefixSource::Pref64;
    c.status = fmt::format("{} (PREF64 from router advertisements, {} s left)", e->prefix.str(), left);
    return c;
  }
  std::vector<Candidate> rungs;
  for (const Ipv6Prefix& p : rfc7050_) rungs.push_back({p, PrefixSource::Rfc7050});
  // RFC 6052 §3.1: the well-known prefix carries global IPv4 addresses only, the probe's too.
  const bool wkp_probe_ok = rfc6052::allowed(rfc6052::kWellKnownPrefix, probe_, false);
  if (wkp_probe_ok) rungs.push_back({rfc6052::kWellKnownPrefix, PrefixSource::WellKnown});
  for (const Candidate& r : rungs) {
    const Probe* p = probe_of(r.prefix);
    if (!p) {
      if (!c.probe_next) c.probe_next = r.prefix;
      continue;
    }
    if (!p->works) continue;
    c.prefix = r.prefix;
    c.source = r.source;
    break;
  }
  if (c.probe_next) c.probe_address = rfc6052::embed(*c.probe_next, probe_);
  if (c.prefix)
    c.status = fmt::format("{} ({}, probe of {} worked)", c.prefix->str(),
                           c.source == PrefixSource::Rfc7050 ? "RFC 7050 ipv4only.arpa" : "well-known", probe_.str());
  else if (c.probe_next)
    c.status = fmt::format("probing {} through {}", probe_.str(), c.probe_next->str());
  else
    c.status = wkp_probe_ok ? "no NAT64 prefix works (every probe failed)"
                            : fmt::format(
                                  "no NAT64 prefix works (the well-known prefix needs a global --probe, "
                                  "not {})",
                                  probe_.str());
  return c;
}

}  // namespace sixfour::clat
