// A token bucket for the ICMP errors a translator makes itself (RFC 4443 §2.4 (f): an IPv6 node
// MUST limit the rate of the ICMPv6 errors it originates; RFC 1812 §4.3.2.8 likewise for IPv4
// routers). Errors that carry a path MTU (ICMPv4 Fragmentation Needed, ICMPv6 Packet Too Big) are
// never limited: suppressing them would break path MTU discovery for everyone behind a flood (the
// Linux kernel exempts them the same way).
//
// Besides that global bucket, each receiver of errors may get its own (IcmpDestinationLimit, RFC
// 4443 §2.4 (f) "per destination"): a flood that makes errors for one host then cannot use up the
// budget of everyone else's.
//
// Pure: the caller passes the time. Not thread-safe: one per worker thread, each with its share of
// the configured rate.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/rate_limit.hpp"
#include "xlat/config.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::xlat {

// The global bucket (see TokenBucket).
using IcmpRateLimit = TokenBucket;

// Who receives an ICMP error, as its rate is kept: an IPv4 address (/32) or an IPv6 /64.
using ErrorDestination = RateKey;
// The destination of an IPv4 or IPv6 packet, or nothing if it is too short for one.
std::optional<ErrorDestination> error_destination(std::span<const uint8_t> packet);

// One bucket per destination (see BucketTable). A destination pushed out of the table starts
// afresh: the global bucket still bounds the total.
using IcmpDestinationLimit = BucketTable;

// Both limits an error goes through: its destination's bucket first (so that a flood for one
// destination spends only that destination's tokens), then the global one.
struct IcmpLimits {
  IcmpRateLimit global;
  IcmpDestinationLimit per_destination;

  IcmpLimits() = default;
  IcmpLimits(IcmpRateLimit g) : global(g) {}  // NOLINT: a global limit alone converts
  IcmpLimits(IcmpRateLimit g, IcmpDestinationLimit d) : global(g), per_destination(std::move(d)) {}
  // One of `workers` workers' share of the limits of `x` (icmp_errors_per_second / _burst,
  // icmp_errors_per_destination); `seed` keys the destination hash.
  static IcmpLimits share(const Config& x, unsigned workers, uint64_t seed);
};

// Whether an ICMP error (a whole IPv4 or IPv6 packet) carries a path MTU: Fragmentation Needed or
// Packet Too Big. Those are never rate-limited.
bool carries_path_mtu(std::span<const uint8_t> error);

// Whether a packet the translator made itself is an ICMP or ICMPv6 error (not an informational
// message, not the TCP probes of a NAT64).
bool is_icmp_error(std::span<const uint8_t> packet);

// For a packet the translator made itself: true if it may be sent (it is no ICMP error, or one that
// carries a path MTU, or both limits allow it); false if a limit suppressed it.
bool admit_packet(IcmpLimits& limits, uint64_t now_ms, std::span<const uint8_t> packet);

// For a translation whose outcome is Reply (one ICMP error in out.packet(0)): true if the error may
// be sent; false if a limit suppressed it, and `out` is then a Drop with the same reason.
bool admit_error(IcmpLimits& limits, uint64_t now_ms, Output& out);

}  // namespace sixfour::xlat
