#include "dns64/cache.hpp"

#include <algorithm>
#include <cstring>

namespace sixfour::dns64 {

namespace {

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void wr32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

size_t skip_name(std::span<const uint8_t> w, size_t off) {
  while (off < w.size()) {
    uint8_t l = w[off];
    if (l == 0) return off + 1;
    if ((l & 0xc0) == 0xc0) return off + 2 <= w.size() ? off + 2 : 0;
    if (l > 63) return 0;
    off += 1 + l;
  }
  return 0;
}

constexpr size_t kEntryOverhead = 160;  // list node, map node, vectors' headers

}  // namespace

CacheKey cache_key(const Query& q) {
  CacheKey k;
  for (size_t i = 0; i < q.qname.len; ++i) {
    uint8_t c = q.qname.b[i];
    k.b[i] = (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
  }
  size_t n = q.qname.len;
  k.b[n] = static_cast<uint8_t>(q.qtype >> 8);
  k.b[n + 1] = static_cast<uint8_t>(q.qtype);
  k.b[n + 2] = static_cast<uint8_t>((q.do_bit ? 2 : 0) | (q.cd() ? 1 : 0));
  k.len = static_cast<uint16_t>(n + 3);
  return k;
}

bool map_ttls(std::span<const uint8_t> w, TtlMap& out) {
  out = TtlMap{};
  if (w.size() < 12) return false;
  uint16_t qd = rd16(&w[4]);
  unsigned rrs = unsigned(rd16(&w[6])) + rd16(&w[8]) + rd16(&w[10]);
  unsigned answers = rd16(&w[6]);
  size_t off = 12;
  for (unsigned i = 0; i < qd; ++i) {
    off = skip_name(w, off);
    if (off == 0 || off + 4 > w.size()) return false;
    off += 4;
  }
  uint32_t life = UINT32_MAX;
  for (unsigned i = 0; i < rrs; ++i) {
    size_t name_at = off;
    off = skip_name(w, off);
    if (off == 0 || off + 10 > w.size()) return false;
    uint16_t type = rd16(&w[off]);
    uint16_t rdlen = rd16(&w[off + 8]);
    if (off + 10 + rdlen > w.size()) return false;
    (void)name_at;
    if (type != kTypeOPT) {
      uint32_t ttl = rd32(&w[off + 4]);
      out.offsets.push_back(static_cast<uint16_t>(off + 4));
      out.ttls.push_back(ttl);
      life = std::min(life, ttl);
      if (type == kTypeSOA && answers == 0) {
        // Negative answer: cached for min(SOA TTL, MINIMUM) (RFC 2308 §5). MINIMUM is the
        // last 4 octets of the SOA RDATA.
        if (rdlen >= 22) life = std::min(life, rd32(&w[off + 10 + rdlen - 4]));
      }
    }
    off += 10 + rdlen;
  }
  out.lifetime = life == UINT32_MAX ? 0 : life;
  return true;
}

Cache::Cache(size_t max_bytes, uint32_t max_ttl, unsigned shards)
    : max_bytes_per_shard_(std::max<size_t>(max_bytes / std::max(1u, shards), 4096)),
      max_ttl_(max_ttl),
      shards_(std::max(1u, shards)) {}

Cache::Shard& Cache::shard_for(std::string_view key) { return shards_[Hash{}(key) % shards_.size()]; }

void Cache::insert(const CacheKey& key, std::span<const uint8_t> wire, uint32_t now) {
  if (wire.size() < 12 || wire.size() > 65535) return;
  uint8_t rcode = wire[3] & 0xf;
  if ((rcode != kNoError && rcode != kNxDomain) || (wire[2] & 0x02)) return;
  Entry e;
  if (!map_ttls(wire, e.a.ttl)) return;
  e.a.ttl.lifetime = std::min(e.a.ttl.lifetime, max_ttl_);
  if (e.a.ttl.lifetime == 0) return;
  e.key.assign(key.view());
  e.a.wire.assign(wire.begin(), wire.end());
  e.a.inserted = now;
  e.cost = e.key.size() + e.a.wire.size() + e.a.ttl.offsets.size() * 6 + kEntryOverhead;
  Shard& s = shard_for(e.key);
  std::lock_guard lock(s.mu);
  if (auto it = s.map.find(key.view()); it != s.map.end()) {
    s.bytes -= it->second->cost;
    s.lru.erase(it->second);
    s.map.erase(it);
  }
  s.bytes += e.cost;
  s.lru.push_front(std::move(e));
  s.map.emplace(s.lru.front().key, s.lru.begin());
  while (s.bytes > max_bytes_per_shard_ && s.lru.size() > 1) {
    Entry& victim = s.lru.back();
    s.bytes -= victim.cost;
    s.map.erase(victim.key);
    s.lru.pop_back();
    ++s.evictions;
  }
}

size_t CachedAnswer::write(const Query& q, uint32_t now, std::span<uint8_t> out) const {
  if (out.size() < wire.size() || wire.size() < 12 + size_t(q.qname.len)) return 0;
  uint32_t age = now - inserted;
  uint8_t* w = out.data();
  std::memcpy(w, wire.data(), wire.size());
  w[0] = static_cast<uint8_t>(q.id >> 8);
  w[1] = static_cast<uint8_t>(q.id);
  w[2] = static_cast<uint8_t>((w[2] & ~0x01) | (q.rd() ? 0x01 : 0));  // RD is copied (RFC 1035)
  std::memcpy(w + 12, q.qname.b.data(), q.qname.len);                 // the client's letter case (RFC 4343 §4.1)
  for (size_t i = 0; i < ttl.offsets.size(); ++i) wr32(w + ttl.offsets[i], ttl.ttls[i] - age);
  return wire.size();
}

// Finds the entry for `key` under the shard's lock; drops it when it has expired.
template <typename F>
auto Cache::with_entry(const CacheKey& key, uint32_t now, F&& f) -> decltype(f(std::declval<const CachedAnswer&>())) {
  Shard& s = shard_for(key.view());
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key.view());
  if (it == s.map.end()) {
    ++s.misses;
    return {};
  }
  Entry& e = *it->second;
  if (!e.a.fresh(now)) {
    s.bytes -= e.cost;
    s.lru.erase(it->second);
    s.map.erase(it);
    ++s.misses;
    return {};
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  ++s.hits;
  return f(e.a);
}

size_t Cache::lookup(const CacheKey& key, const Query& q, uint32_t now, std::span<uint8_t> out) {
  return with_entry(key, now, [&](const CachedAnswer& a) { return a.write(q, now, out); });
}

bool Cache::copy(const CacheKey& key, uint32_t now, CachedAnswer& out) {
  return with_entry(key, now, [&](const CachedAnswer& a) {
    out.wire.assign(a.wire.begin(), a.wire.end());
    out.ttl.offsets.assign(a.ttl.offsets.begin(), a.ttl.offsets.end());
    out.ttl.ttls.assign(a.ttl.ttls.begin(), a.ttl.ttls.end());
    out.ttl.lifetime = a.ttl.lifetime;
    out.inserted = a.inserted;
    return true;
  });
}

HotCache::HotCache(unsigned slots) {
  unsigned sets = 1;
  while (sets * 2 < slots) sets *= 2;  // a power of two, for masking
  slots_.resize(size_t(sets) * 2);
  mru_.resize(sets);
}

size_t HotCache::lookup(const CacheKey& key, const Query& q, uint32_t now, Cache& shared, std::span<uint8_t> out,
                        bool& from_front) {
  from_front = false;
  // FNV-1a over the key: keys are short (a qname and three octets).
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < key.len; ++i) h = (h ^ key.b[i]) * 1099511628211ull;
  size_t set = (h ^ (h >> 29)) & (mru_.size() - 1);
  Slot* ways = &slots_[set * 2];
  for (unsigned w = 0; w < 2; ++w) {
    Slot& s = ways[w];
    if (s.used && s.key.len == key.len && std::memcmp(s.key.b.data(), key.b.data(), key.len) == 0) {
      if (s.a.fresh(now)) {
        from_front = true;
        mru_[set] = static_cast<uint8_t>(w);
        return s.a.write(q, now, out);
      }
      s.used = false;
    }
  }
  // Copied into a spare first, so that a miss in the shared cache keeps the set's answers.
  if (!shared.copy(key, now, spare_)) return 0;
  if (spare_.wire.size() > kMaxWire) return spare_.write(q, now, out);
  unsigned victim = !ways[0].used ? 0 : !ways[1].used ? 1 : 1u - mru_[set];
  Slot& s = ways[victim];
  std::swap(s.a, spare_);
  s.key = key;
  s.used = true;
  mru_[set] = static_cast<uint8_t>(victim);
  return s.a.write(q, now, out);
}

Cache::Stats Cache::stats() const {
  Stats st;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    st.entries += s.lru.size();
    st.bytes += s.bytes;
    st.hits += s.hits;
    st.misses += s.misses;
    st.evictions += s.evictions;
  }
  return st;
}

}  // namespace sixfour::dns64
