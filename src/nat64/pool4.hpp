// The IPv4 transport-address pool of the NAT64 (RFC 6146 §3.5.1.1): the pool4 addresses and port
// ranges, split into shards (each BIB/session shard owns a disjoint part of the ports so that a packet
// from either side needs only one shard lock), and the port choice for new dynamic BIB entries.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "nat64/hash.hpp"
#include "nat64/settings.hpp"

namespace sixfour::nat64 {

struct Transport4 {
  Ipv4Addr addr;
  uint16_t port = 0;
};

class Pool4 {
 public:
  // `shards` = 0 picks a count so that every shard holds at least ~4096 ports per protocol (at most 16).
  Pool4(const std::vector<Pool4Entry>& entries, unsigned shards, uint64_t secret);

  unsigned shards() const { return shards_; }
  // The shard that owns (addr, port). Ports go in even/odd pairs (so parity never decides the shard),
  // consecutive pairs to consecutive shards: any range of 2*shards ports is spread evenly.
  unsigned shard_of(Ipv4Addr a, uint16_t port) const {
    return static_cast<unsigned>((uint64_t{a.to_u32()} + (port >> 1)) % shards_);
  }
  bool contains(Ipv4Addr a) const;
  bool contains(Ipv4Addr a, uint16_t port) const;
  // Transport addresses per protocol owned by `shard` (all shards: capacity_total()).
  uint64_t capacity(unsigned shard) const { return capacity_[shard]; }
  uint64_t capacity_total() const;

  // RFC 6146 §3.5.1.1 / RFC 6056 §3.3.3 (algorithm 3): a free (address, port) of `shard` for the
  // inside endpoint (addr6, port6). Preference: same port range as port6 (0-1023 / 1024-65535) and
  // same parity (RFC 4787 §4.2.2), then other parity, then the other range. The address is chosen by a
  // keyed hash of addr6 (so one inside host keeps one outside address: RFC 4787 "paired" pooling),
  // the port by a keyed hash of the whole endpoint plus a linear probe; `in_use(addr, port)` says
  // whether a candidate is taken. nullopt = no free port in this shard (exhaustion).
  template <class InUse>
  std::optional<Transport4> allocate(unsigned shard, uint8_t proto, const Ipv6Addr& addr6, uint16_t port6,
                                     InUse&& in_use) const;

 private:
  struct Range {
    Ipv4Prefix prefix;
    uint64_t first_index;  // index of prefix's first address among all pool addresses
    uint64_t count;        // addresses in the prefix
    uint16_t lo, hi;
  };
  // Candidate ports of `shard` for address `a` within [lo, hi] with parity `par`: ports
  // 2*(k1 + j*shards) + par for j in [0, n).
  bool candidates(unsigned shard, uint32_t a, uint32_t lo, uint32_t hi, unsigned par, uint32_t& k1, uint32_t& n) const;
  const Range& range_of(uint64_t index, Ipv4Addr& addr) const;

  std::vector<Range> ranges_;
  uint64_t addresses_ = 0;
  bool has_low_ = false, has_high_ = false;  // some range holds ports 0-1023 / 1024-65535
  unsigned shards_ = 1;
  uint64_t secret_;
  std::vector<uint64_t> capacity_;
};

template <class InUse>
std::optional<Transport4> Pool4::allocate(unsigned shard, uint8_t proto, const Ipv6Addr& addr6, uint16_t port6,
                                          InUse&& in_use) const {
  if (addresses_ == 0 || capacity_[shard] == 0) return std::nullopt;
  struct {
    uint8_t a[16];
    uint16_t port;
    uint8_t proto;
  } key{};
  std::memcpy(key.a, addr6.b.data(), 16);
  const uint64_t h_addr = hash_bytes(secret_, key.a, 16);
  key.port = port6;
  key.proto = proto;
  const uint64_t h_port = hash_bytes(secret_ ^ 0x5bd1e995, &key, sizeof key);

  const bool low = port6 < 1024;
  const unsigned par = port6 & 1;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const bool use_low = (attempt < 2) ? low : !low;
    const unsigned p = (attempt % 2 == 0) ? par : 1 - par;
    const uint32_t cls_lo = use_low ? 0 : 1024, cls_hi = use_low ? 1023 : 65535;
    if (!(use_low ? has_low_ : has_high_)) continue;  // no pool range reaches into this port range
    for (uint64_t i = 0; i < addresses_; ++i) {
      Ipv4Addr addr;
      const Range& r = range_of((h_addr + i) % addresses_, addr);
      const uint32_t lo = std::max<uint32_t>(r.lo, cls_lo), hi = std::min<uint32_t>(r.hi, cls_hi);
      uint32_t k1 = 0, n = 0;
      if (lo > hi || !candidates(shard, addr.to_u32(), lo, hi, p, k1, n)) continue;
      const uint32_t j0 = static_cast<uint32_t>(h_port % n);
      for (uint32_t j = 0; j < n; ++j) {
        const uint32_t jj = (j0 + j) % n;
        const auto port = static_cast<uint16_t>(2 * (k1 + uint64_t{jj} * shards_) + p);
        if (!in_use(addr, port)) return Transport4{addr, port};
      }
    }
  }
  return std::nullopt;
}

}  // namespace sixfour::nat64
