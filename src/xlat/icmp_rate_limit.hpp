// A token bucket for the ICMP errors a translator makes itself (RFC 4443 §2.4 (f): an IPv6 node
// MUST limit the rate of the ICMPv6 errors it originates; RFC 1812 §4.3.2.8 likewise for IPv4
// routers). Errors that carry a path MTU (ICMPv4 Fragmentation Needed, ICMPv6 Packet Too Big) are
// never limited: suppressing them would break path MTU discovery for everyone behind a flood (the
// Linux kernel exempts them the same way).
//
// Pure: the caller passes the time. Not thread-safe: one per worker thread, each with its share of
// the configured rate.
#pragma once
#include <cstdint>
#include <span>

#include "xlat/verdict.hpp"

namespace sixfour::xlat {

class IcmpRateLimit {
 public:
  IcmpRateLimit() = default;  // unlimited
  // `per_second` errors per second on average, at most `burst` at once (both at least 1); a
  // per_second of 0 means unlimited.
  IcmpRateLimit(uint32_t per_second, uint32_t burst);

  // The share of one of `workers` workers of a limit of `per_second` / `burst` for them all.
  static IcmpRateLimit share(uint32_t per_second, uint32_t burst, unsigned workers);

  bool unlimited() const { return per_second_ == 0; }
  // Takes a token if there is one (the bucket refills with the time since the last call).
  bool allow(uint64_t now_ms);

 private:
  uint32_t per_second_ = 0;
  uint64_t cap_milli_ = 0;     // burst, in thousandths of a token
  uint64_t tokens_milli_ = 0;  // starts full
  uint64_t last_ms_ = 0;
  bool started_ = false;
};

// Whether an ICMP error (a whole IPv4 or IPv6 packet) carries a path MTU: Fragmentation Needed or
// Packet Too Big. Those are never rate-limited.
bool carries_path_mtu(std::span<const uint8_t> error);

// For a translation whose outcome is Reply (one ICMP error in out.packet(0)): true if the error may
// be sent; false if the limit suppressed it, and `out` is then a Drop with the same reason.
bool admit_error(IcmpRateLimit& limit, uint64_t now_ms, Output& out);

}  // namespace sixfour::xlat
