// Token buckets, alone or one per key in a fixed table: the rate limits of the ICMP errors the
// translators make (xlat/icmp_rate_limit.hpp) and of the DNS64 server's answers per client prefix
// (dns64/rate_limit.hpp).
//
// Pure: the caller passes the time in milliseconds. Not thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sixfour {

class TokenBucket {
 public:
  TokenBucket() = default;  // unlimited
  // `per_second` tokens per second on average, at most `burst` at once (both at least 1); a
  // per_second of 0 means unlimited.
  TokenBucket(uint32_t per_second, uint32_t burst);

  // The share of one of `workers` workers of a limit of `per_second` / `burst` for them all.
  static TokenBucket share(uint32_t per_second, uint32_t burst, unsigned workers);

  bool unlimited() const { return per_second_ == 0; }
  uint32_t rate() const { return per_second_; }
  uint32_t burst() const { return static_cast<uint32_t>(cap_milli_ / 1000); }
  // Takes a token if there is one (the bucket refills with the time since the last call).
  bool allow(uint64_t now_ms);

 private:
  uint32_t per_second_ = 0;
  uint64_t cap_milli_ = 0;     // burst, in thousandths of a token
  uint64_t tokens_milli_ = 0;  // starts full
  uint64_t last_ms_ = 0;
  bool started_ = false;
};

// What a BucketTable keeps a bucket for: up to 64 bits of an IPv4 or IPv6 address or prefix.
struct RateKey {
  uint64_t bits = 0;
  bool v6 = false;
  bool operator==(const RateKey&) const = default;
};

// One token bucket per key, in a fixed table allocated once (no allocation per use): kSets sets of
// kWays slots, a key hashed (with a secret seed, so that nobody can choose keys that collide) to
// one set; a key not in its set takes the least recently used slot of that set, with a full
// bucket (a key unused for long is the first to go).
class BucketTable {
 public:
  static constexpr size_t kWays = 4;
  static constexpr size_t kSets = 512;
  static constexpr size_t kSlots = kWays * kSets;

  BucketTable() = default;  // off: every key allowed
  // `per_second` tokens per second on average for each key, at most `burst` at once; a
  // per_second of 0 means off.
  BucketTable(uint32_t per_second, uint32_t burst, uint64_t seed);

  bool off() const { return slots_.empty(); }
  // Takes a token from `key`'s bucket if there is one.
  bool allow(const RateKey& key, uint64_t now_ms);
  // How many keys have a slot (at most kSlots).
  size_t tracked() const;

 private:
  struct Slot {
    RateKey key;
    bool used = false;
    uint64_t last_use = 0;  // use_ when it was last used
    TokenBucket bucket;
  };
  uint32_t per_second_ = 0;
  uint32_t burst_ = 1;
  uint64_t seed_ = 0;
  uint64_t use_ = 0;  // counts the calls to allow()
  std::vector<Slot> slots_;
};

}  // namespace sixfour
