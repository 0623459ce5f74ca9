// Response-rate limiting of the DNS64 server (in the manner of BIND's RRL): when asked, each client
// prefix (IPv4 /24, IPv6 /56 by default) gets `per_second` UDP answers a second (a token bucket,
// its burst one second's worth). Over that, queries are dropped, but every `slip`-th of them is
// answered with an empty TC=1 answer instead, so that a real client behind a spoofed flood still
// gets through by retrying over TCP, which is never limited (a TCP client cannot spoof its address,
// and reflection over TCP amplifies nothing). A slip of 0 drops them all; 1 truncates them all.
//
// Pure: the caller passes the time. Not thread-safe (the server holds it under a mutex).
#pragma once
#include <cstdint>

#include "common/rate_limit.hpp"
#include "dns64/config.hpp"

namespace sixfour::dns64 {

struct RateLimitSettings {
  uint32_t per_second = 0;  // 0: off
  uint32_t slip = 2;
  uint8_t ipv4_prefix = 24;
  uint8_t ipv6_prefix = 56;
};

// The prefix of `client` a bucket is kept for (an IPv4 client on a dual-stack socket, shown as
// ::ffff:a.b.c.d, counts as IPv4).
RateKey client_prefix(const Endpoint& client, const RateLimitSettings& s);

class ResponseRateLimit {
 public:
  enum class Verdict : uint8_t { Answer, Drop, Slip };

  ResponseRateLimit() = default;  // off
  ResponseRateLimit(const RateLimitSettings& s, uint64_t seed);

  bool off() const { return table_.off(); }
  Verdict check(const Endpoint& client, uint64_t now_ms);

 private:
  RateLimitSettings s_;
  BucketTable table_;
  uint64_t over_ = 0;  // over-limit queries so far, for the slip
};

}  // namespace sixfour::dns64
