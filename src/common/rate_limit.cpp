#include "common/rate_limit.hpp"

#include <algorithm>

namespace sixfour {

TokenBucket::TokenBucket(uint32_t per_second, uint32_t burst)
    : per_second_(per_second), cap_milli_(uint64_t{std::max<uint32_t>(burst, 1)} * 1000), tokens_milli_(cap_milli_) {}

TokenBucket TokenBucket::share(uint32_t per_second, uint32_t burst, unsigned workers) {
  if (per_second == 0) return {};
  const unsigned n = std::max(workers, 1u);
  return {std::max<uint32_t>(per_second / n, 1), std::max<uint32_t>(burst / n, 1)};
}

bool TokenBucket::allow(uint64_t now_ms) {
  if (per_second_ == 0) return true;
  if (!started_) {
    started_ = true;
    last_ms_ = now_ms;
  }
  if (now_ms > last_ms_) {
    // per_second tokens a second = per_second thousandths of a token a millisecond.
    const uint64_t elapsed = now_ms - last_ms_;
    tokens_milli_ = std::min(cap_milli_, tokens_milli_ + std::min(elapsed, uint64_t{1} << 32) * per_second_);
    last_ms_ = now_ms;
  }
  if (tokens_milli_ < 1000) return false;
  tokens_milli_ -= 1000;
  return true;
}

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

BucketTable::BucketTable(uint32_t per_second, uint32_t burst, uint64_t seed)
    : per_second_(per_second), burst_(std::max<uint32_t>(burst, 1)), seed_(seed) {
  if (per_second_ != 0) slots_.resize(kSlots);
}

bool BucketTable::allow(const RateKey& d, uint64_t now_ms) {
  if (slots_.empty()) return true;
  const size_t set = mix(d.bits ^ seed_ ^ (d.v6 ? 0x9e3779b97f4a7c15ULL : 0)) % kSets;
  Slot* ways = &slots_[set * kWays];
  Slot* slot = nullptr;
  for (size_t i = 0; i < kWays && !slot; ++i)
    if (ways[i].used && ways[i].key == d) slot = &ways[i];
  if (!slot) {
    // A free slot, else the least recently used one of the set.
    slot = &ways[0];
    for (size_t i = 0; i < kWays; ++i) {
      if (!ways[i].used) {
        slot = &ways[i];
        break;
      }
      if (ways[i].last_use < slot->last_use) slot = &ways[i];
    }
    *slot = Slot{d, true, 0, TokenBucket(per_second_, burst_)};
  }
  slot->last_use = ++use_;
  return slot->bucket.allow(now_ms);
}

size_t BucketTable::tracked() const {
  return static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

}  // namespace sixfour
