#include "nat64/pool4.hpp"

#include <algorithm>

namespace sixfour::nat64 {

Pool4::Pool4(const std::vector<Pool4Entry>& entries, unsigned shards, uint64_t secret) : secret_(secret) {
  uint64_t ports = 0;
  for (const Pool4Entry& e : entries) {
    const uint64_t count = uint64_t{1} << (32 - e.prefix.len);
    ranges_.push_back(Range{e.prefix, addresses_, count, e.lo, e.hi});
    addresses_ += count;
    has_low_ = has_low_ || e.lo < 1024;
    has_high_ = has_high_ || e.hi >= 1024;
    ports += count * (uint64_t{e.hi} - e.lo + 1);
  }
  if (shards == 0) shards = static_cast<unsigned>(std::clamp<uint64_t>(ports / 4096, 1, 16));
  shards_ = shards;
  // Per-shard capacity, counted exactly (the shard function is not a plain modulo of the port).
  capacity_.assign(shards_, 0);
  for (const Range& r : ranges_) {
    // Large prefixes: count per address only for the first `shards_` addresses' residues; the
    // shard layout repeats every `shards_` addresses.
    const uint64_t distinct = std::min<uint64_t>(r.count, shards_);
    for (uint64_t i = 0; i < distinct; ++i) {
      const uint32_t a = r.prefix.addr.to_u32() + static_cast<uint32_t>(i);
      // Number of addresses in this prefix congruent to `a` modulo shards_.
      const uint64_t same = (r.count - i + shards_ - 1) / shards_;
      for (unsigned s = 0; s < shards_; ++s) {
        for (unsigned par = 0; par < 2; ++par) {
          uint32_t k1 = 0, n = 0;
          if (candidates(s, a, r.lo, r.hi, par, k1, n)) capacity_[s] += same * n;
        }
      }
    }
  }
}

bool Pool4::candidates(unsigned shard, uint32_t a, uint32_t lo, uint32_t hi, unsigned par, uint32_t& k1,
                       uint32_t& n) const {
  // Pairs k with lo <= 2k+par <= hi and (a + k) % shards == shard.
  if (hi < par) return false;
  const uint32_t kmin = (lo <= par) ? 0 : (lo - par + 1) / 2;
  const uint32_t kmax = (hi - par) / 2;
  if (kmin > kmax) return false;
  const uint64_t target = (uint64_t{shard} + shards_ - (a % shards_)) % shards_;  // k ≡ target
  const uint64_t first = kmin + (target + shards_ - kmin % shards_) % shards_;
  if (first > kmax) return false;
  k1 = static_cast<uint32_t>(first);
  n = static_cast<uint32_t>((kmax - first) / shards_ + 1);
  return true;
}

const Pool4::Range& Pool4::range_of(uint64_t index, Ipv4Addr& addr) const {
  for (const Range& r : ranges_) {
    if (index < r.first_index + r.count) {
      addr = Ipv4Addr::from_u32(r.prefix.addr.to_u32() + static_cast<uint32_t>(index - r.first_index));
      return r;
    }
  }
  addr = ranges_.back().prefix.addr;
  return ranges_.back();
}

bool Pool4::contains(Ipv4Addr a) const {
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& r) { return r.prefix.contains(a); });
}

bool Pool4::contains(Ipv4Addr a, uint16_t port) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const Range& r) { return r.prefix.contains(a) && port >= r.lo && port <= r.hi; });
}

uint64_t Pool4::capacity_total() const {
  uint64_t t = 0;
  for (uint64_t c : capacity_) t += c;
  return t;
}

}  // namespace sixfour::nat64
