// The answer cache: final answers (synthesized or forwarded, positive or negative) keyed by
// (lowercased qname, qtype, DO, CD), so that a repeated query is answered with one copy and a
// few patches — ID, RD, the client's qname letter case and the TTLs aged by the time spent in the
// cache — without asking the upstream or synthesizing again. Bounded in bytes, LRU per shard,
// sharded by key hash so the server threads rarely meet on a lock.
#pragma once
#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns64/message.hpp"

namespace sixfour::dns64 {

// Lowercased qname + qtype + DO/CD, in a fixed buffer (no allocation on lookups).
struct CacheKey {
  std::array<uint8_t, 255 + 3> b{};
  uint16_t len = 0;
  std::string_view view() const { return {reinterpret_cast<const char*>(b.data()), len}; }
};
CacheKey cache_key(const Query& q);

// Where the TTLs are in a rendered answer and what lifetime it may be cached for: the smallest
// TTL of its records, and for a negative answer the SOA's MINIMUM too (RFC 2308 §5). OPT is
// skipped (its TTL field holds flags). Returns false for wire it cannot walk.
struct TtlMap {
  std::vector<uint16_t> offsets;
  std::vector<uint32_t> ttls;
  uint32_t lifetime = 0;
};
bool map_ttls(std::span<const uint8_t> wire, TtlMap& out);

// One stored answer: its wire (rendered for an EDNS query, so it ends with our OPT), where its
// TTLs are, and when it was stored (seconds, monotonic).
struct CachedAnswer {
  std::vector<uint8_t> wire;
  TtlMap ttl;
  uint32_t inserted = 0;

  bool fresh(uint32_t now) const { return now >= inserted && now - inserted < ttl.lifetime; }
  // Writes the answer for `q` at `now` into `out`: the client's ID, RD and qname letter case,
  // every TTL aged by the time spent in the cache. Returns its length, 0 if `out` is too small.
  size_t write(const Query& q, uint32_t now, std::span<uint8_t> out) const;
};

class Cache {
 public:
  // max_bytes bounds the stored answers plus per-entry overhead; max_ttl caps lifetimes.
  explicit Cache(size_t max_bytes, uint32_t max_ttl = 86400, unsigned shards = 16);

  // Stores `wire` (an answer rendered for a query with EDNS, so it carries an OPT) under `key`
  // at time `now` (seconds, monotonic). Answers with lifetime 0, TC=1, or RCODEs other than
  // NOERROR/NXDOMAIN are not stored (a SERVFAIL must not outlive the outage).
  void insert(const CacheKey& key, std::span<const uint8_t> wire, uint32_t now);

  // On a hit writes the answer for `q` into `out` (which must hold 65535 octets) and returns its
  // length; 0 on a miss or an expired entry (which is removed). The stored answer's OPT is
  // kept: callers check q.edns and the size against the client's limit themselves.
  size_t lookup(const CacheKey& key, const Query& q, uint32_t now, std::span<uint8_t> out);

  // On a hit copies the stored answer into `out` (reusing its buffers) and returns true; counted
  // as a hit or a miss like lookup().
  bool copy(const CacheKey& key, uint32_t now, CachedAnswer& out);

  struct Stats {
    uint64_t entries = 0, bytes = 0, hits = 0, misses = 0, evictions = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string key;
    CachedAnswer a;
    size_t cost = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator, Hash, std::equal_to<>> map;
    size_t bytes = 0;
    uint64_t hits = 0, misses = 0, evictions = 0;
  };
  Shard& shard_for(std::string_view key);
  template <typename F>
  auto with_entry(const CacheKey& key, uint32_t now, F&& f) -> decltype(f(std::declval<const CachedAnswer&>()));

  size_t max_bytes_per_shard_;
  uint32_t max_ttl_;
  std::vector<Shard> shards_;
};

// A server thread's own front for the shared Cache: a two-way set-associative table of copies of recently
// used answers, read without a lock or a string hash on the UDP hot path. A copy is served only
// while it is fresh by its own stored time and lifetime, so TTLs still count down exactly as in
// the shared cache; a newer answer stored in the shared cache later replaces it on the next
// lookup that misses here. Answers larger than kMaxWire stay in the shared cache only, which
// bounds this table to about slots * (kMaxWire + key) octets.
class HotCache {
 public:
  static constexpr size_t kMaxWire = 1232;
  explicit HotCache(unsigned slots = 4096);

  // The answer for `q` written into `out` (see CachedAnswer::write), from this table or else
  // from `shared` (and then kept here); 0 on a miss. `from_front` tells which.
  size_t lookup(const CacheKey& key, const Query& q, uint32_t now, Cache& shared, std::span<uint8_t> out,
                bool& from_front);

 private:
  struct Slot {
    CacheKey key;
    bool used = false;
    CachedAnswer a;
  };
  std::vector<Slot> slots_;   // two ways per set
  std::vector<uint8_t> mru_;  // per set: the way used last (the other one is replaced)
  CachedAnswer spare_;
};

}  // namespace sixfour::dns64
