// Finding the PLAT's NAT64 prefix, a ladder of sources tried in order (issue 14, RFC 6877 §6.3):
//   1. the configured prefix (--prefix), used as given;
//   2. PREF64 from router advertisements (RFC 8781), trusted without a probe while its lifetime
//      runs; the most recently received one wins, so a change on the network is followed;
//   3. the prefixes RFC 7050 finds in ipv4only.arpa (every one returned), each used only once a
//      probe through it worked;
//   4. the well-known 64:ff9b::/96 (RFC 6052), likewise only after a probe, and only with a global
//      probe address (RFC 6052 §3.1).
// A prefix whose probe failed is skipped. Pure: the daemon reads RAs, queries DNS and sends the
// probes, and tells the ladder what it learned; the ladder says what to use and what to probe next.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "addr/rfc7050.hpp"

namespace sixfour::clat {

using Clock = std::chrono::steady_clock;

enum class PrefixSource : uint8_t { Configured, Pref64, Rfc7050, WellKnown };
std::string_view name(PrefixSource s);  // "configured", "pref64", "rfc7050", "well-known"

struct PrefixChoice {
  std::optional<Ipv6Prefix> prefix;  // nullopt: no usable prefix yet
  PrefixSource source = PrefixSource::WellKnown;
  // A prefix that ranks above the one in use (or any, when none is) and has not been probed yet:
  // the daemon sends a probe to probe_address (--probe embedded in it, RFC 6052) and reports back.
  std::optional<Ipv6Prefix> probe_next;
  Ipv6Addr probe_address;
  std::string status;  // one line for `status`
};

class PrefixLadder {
 public:
  // `configured`: --prefix (nullopt for auto). `probe`: --probe.
  PrefixLadder(std::optional<Ipv6Prefix> configured, Ipv4Addr probe) : configured_(configured), probe_(probe) {}

  // A PREF64 option received at `now` (RFC 8781 §4; the lifetime already scaled to seconds). A
  // lifetime of zero withdraws the prefix.
  void pref64(const Ipv6Prefix& prefix, std::chrono::seconds lifetime, Clock::time_point now);
  // The prefixes of the latest RFC 7050 lookup (rfc7050::Result::prefixes), in answer order; they
  // replace the earlier lookup's. Probe results are kept per prefix.
  void rfc7050(std::span<const Ipv6Prefix> prefixes);
  void rfc7050(const sixfour::rfc7050::Result& r) { rfc7050(r.prefixes); }
  // The outcome of a probe through `prefix`.
  void probed(const Ipv6Prefix& prefix, bool works);
  // Forget every probe result (the uplink changed: another network, another NAT64).
  void forget_probes() { probes_.clear(); }

  PrefixChoice choose(Clock::time_point now) const;

 private:
  struct Pref64Entry {
    Ipv6Prefix prefix;
    Clock::time_point received, expires;
  };
  struct Probe {
    Ipv6Prefix prefix;
    bool works;
  };
  const Probe* probe_of(const Ipv6Prefix& p) const;
  const Pref64Entry* live_pref64(Clock::time_point now) const;

  std::optional<Ipv6Prefix> configured_;
  Ipv4Addr probe_;
  std::vector<Pref64Entry> pref64_;
  std::vector<Ipv6Prefix> rfc7050_;
  std::vector<Probe> probes_;
};

}  // namespace sixfour::clat
