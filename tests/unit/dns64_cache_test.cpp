// The answer cache: hits patch ID, RD, qname case and aged TTLs; lifetimes follow the smallest
// TTL and, for negative answers, the SOA MINIMUM (RFC 2308 §5); LRU bound; no SERVFAIL caching.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dns64/cache.hpp"
#include "dns64/message.hpp"

namespace sixfour::dns64 {
namespace {

Query query(const char* name, uint16_t id, bool rd = true) {
  Query q;
  auto n = name_from_text(name).value();
  std::copy(n.begin(), n.end(), q.qname.b.begin());
  q.qname.len = static_cast<uint8_t>(n.size());
  q.id = id;
  q.flags = rd ? kFlagRD : 0;
  q.qtype = kTypeAAAA;
  q.qclass = kClassIN;
  q.edns = true;
  q.udp_size = 1232;
  return q;
}

Rr aaaa_rr(const char* owner, uint32_t ttl) {
  Rr r;
  r.owner = name_from_text(owner).value();
  r.type = kTypeAAAA;
  r.ttl = ttl;
  r.rdata.assign(16, 1);
  return r;
}

uint32_t ttl_at(const std::vector<uint8_t>& w, size_t off) {
  return uint32_t(w[off]) << 24 | uint32_t(w[off + 1]) << 16 | uint32_t(w[off + 2]) << 8 | w[off + 3];
}

TEST(Dns64Cache, HitPatchesIdCaseAndAgedTtl) {
  Cache c(1 << 20);
  Query q = query("h.example.test", 1);
  Message m;
  m.answer.push_back(aaaa_rr("h.example.test", 100));
  auto w = render(q, m, 65535);
  c.insert(cache_key(q), w, 1000);

  Query q2 = query("H.EXAMPLE.test", 0xbeef, false);
  std::vector<uint8_t> out(65535);
  size_t n = c.lookup(cache_key(q2), q2, 1030, out);
  ASSERT_EQ(n, w.size());
  out.resize(n);
  EXPECT_EQ(out[0], 0xbe);
  EXPECT_EQ(out[1], 0xef);
  EXPECT_EQ(out[2] & 0x01, 0);  // RD as the second client sent it
  EXPECT_EQ(out[13], 'H');
  auto back = parse_response(out, q2.qname.span(), kTypeAAAA);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->answer.size(), 1u);
  EXPECT_EQ(back->answer[0].ttl, 70u);  // 100 - 30 s in the cache

  EXPECT_EQ(c.lookup(cache_key(q2), q2, 1100, out), 0u);  // expired
  EXPECT_EQ(c.stats().entries, 0u);
}

TEST(Dns64Cache, KeyIncludesTypeAndDnssecBits) {
  Cache c(1 << 20);
  Query q = query("h.example.test", 1);
  Message m;
  m.answer.push_back(aaaa_rr("h.example.test", 100));
  c.insert(cache_key(q), render(q, m, 65535), 0);
  std::vector<uint8_t> out(65535);
  Query d = q;
  d.do_bit = true;
  EXPECT_EQ(c.lookup(cache_key(d), d, 1, out), 0u);
  Query cd = q;
  cd.flags |= kFlagCD;
  EXPECT_EQ(c.lookup(cache_key(cd), cd, 1, out), 0u);
  Query t = q;
  t.qtype = kTypeA;
  EXPECT_EQ(c.lookup(cache_key(t), t, 1, out), 0u);
  EXPECT_GT(c.lookup(cache_key(q), q, 1, out), 0u);
}

TEST(Dns64Cache, NegativeLifetimeIsSoaMinimum) {
  Query q = query("nx.example.test", 1);
  Message m;
  m.rcode = kNxDomain;
  Rr soa;
  soa.owner = name_from_text("example.test").value();
  soa.type = kTypeSOA;
  soa.ttl = 3600;
  soa.rdata = {0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 42};  // MINIMUM 42
  m.authority.push_back(soa);
  auto w = render(q, m, 65535);
  TtlMap map;
  ASSERT_TRUE(map_ttls(w, map));
  EXPECT_EQ(map.lifetime, 42u);
  ASSERT_EQ(map.offsets.size(), 1u);  // the OPT's TTL field is not a TTL
  EXPECT_EQ(ttl_at(w, map.offsets[0]), 3600u);

  Cache c(1 << 20);
  c.insert(cache_key(q), w, 0);
  std::vector<uint8_t> out(65535);
  EXPECT_GT(c.lookup(cache_key(q), q, 41, out), 0u);
  EXPECT_EQ(c.lookup(cache_key(q), q, 42, out), 0u);
}

TEST(Dns64Cache, ServfailAndZeroTtlAreNotStored) {
  Cache c(1 << 20);
  Query q = query("h.example.test", 1);
  Message fail;
  fail.rcode = kServFail;
  c.insert(cache_key(q), render(q, fail, 65535), 0);
  Message zero;
  zero.answer.push_back(aaaa_rr("h.example.test", 0));
  c.insert(cache_key(q), render(q, zero, 65535), 0);
  EXPECT_EQ(c.stats().entries, 0u);
}

TEST(Dns64Cache, BoundedLru) {
  Cache c(16 * 4096, 86400, 1);  // one shard of 64 KiB
  std::vector<uint8_t> out(65535);
  Message m;
  for (int i = 0; i < 2000; ++i) {
    std::string name = fmt::format("h{}.example.test", i);
    Query q = query(name.c_str(), 1);
    m.answer = {aaaa_rr(name.c_str(), 100)};
    c.insert(cache_key(q), render(q, m, 65535), 0);
    if (i >= 1) {
      Query first = query("h0.example.test", 1);
      c.lookup(cache_key(first), first, 0, out);  // keep h0 recently used
    }
  }
  auto st = c.stats();
  EXPECT_LE(st.bytes, 16u * 4096u);
  EXPECT_GT(st.evictions, 0u);
  Query first = query("h0.example.test", 1);
  EXPECT_GT(c.lookup(cache_key(first), first, 0, out), 0u);
  Query early = query("h1.example.test", 1);
  EXPECT_EQ(c.lookup(cache_key(early), early, 0, out), 0u);
}

// The per-thread front: the first lookup copies from the shared cache, later ones are served
// from the copy with the same patches and the same aging; expiry is by the stored time.
TEST(Dns64HotCache, ServesCopyWithAgedTtlUntilExpiry) {
  Cache c(1 << 20);
  HotCache hot(8);
  Query q = query("h.example.test", 1);
  Message m;
  m.answer.push_back(aaaa_rr("h.example.test", 100));
  auto w = render(q, m, 65535);
  c.insert(cache_key(q), w, 1000);

  std::vector<uint8_t> out(65535);
  bool front = true;
  Query q2 = query("H.example.TEST", 0x1234, false);
  ASSERT_EQ(hot.lookup(cache_key(q2), q2, 1010, c, out, front), w.size());
  EXPECT_FALSE(front);
  EXPECT_EQ(c.stats().hits, 1u);

  Query q3 = query("h.EXAMPLE.test", 0xbeef);
  size_t n = hot.lookup(cache_key(q3), q3, 1040, c, out, front);
  ASSERT_EQ(n, w.size());
  EXPECT_TRUE(front);
  EXPECT_EQ(c.stats().hits, 1u);  // the shared cache was not asked again
  EXPECT_EQ(out[0], 0xbe);
  EXPECT_EQ(out[1], 0xef);
  EXPECT_EQ(out[2] & 0x01, 1);  // RD as this client sent it
  EXPECT_EQ(out[15], 'E');
  auto back = parse_response({out.data(), n}, q3.qname.span(), kTypeAAAA);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->answer.size(), 1u);
  EXPECT_EQ(back->answer[0].ttl, 60u);  // 100 - 40 s since it was stored upstream of the copy

  EXPECT_GT(hot.lookup(cache_key(q3), q3, 1099, c, out, front), 0u);
  EXPECT_TRUE(front);
  EXPECT_EQ(hot.lookup(cache_key(q3), q3, 1100, c, out, front), 0u);  // expired in both
  EXPECT_FALSE(front);
}

TEST(Dns64HotCache, KeyMismatchAndCollisionsFallBackToShared) {
  Cache c(1 << 20);
  HotCache hot(2);  // one set of two ways: every third name evicts one
  Message m;
  std::vector<uint8_t> out(65535);
  bool front = false;
  for (int i = 0; i < 3; ++i) {
    std::string name = fmt::format("h{}.example.test", i);
    Query q = query(name.c_str(), 1);
    m.answer = {aaaa_rr(name.c_str(), 100 + i)};
    c.insert(cache_key(q), render(q, m, 65535), 0);
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) {
      std::string name = fmt::format("h{}.example.test", i);
      Query q = query(name.c_str(), 7);
      size_t n = hot.lookup(cache_key(q), q, 1, c, out, front);
      ASSERT_GT(n, 0u);
      auto back = parse_response({out.data(), n}, q.qname.span(), kTypeAAAA);
      ASSERT_TRUE(back) << back.error();
      ASSERT_EQ(back->answer.size(), 1u);
      EXPECT_EQ(back->answer[0].ttl, uint32_t(99 + i));  // each name gets its own answer
    }
  }
  Query other = query("h0.example.test", 7);
  other.do_bit = true;  // another key: not in either cache
  EXPECT_EQ(hot.lookup(cache_key(other), other, 1, c, out, front), 0u);
}

TEST(Dns64HotCache, LargeAnswersStayShared) {
  Cache c(1 << 20);
  HotCache hot(8);
  Query q = query("big.example.test", 1);
  Message m;
  for (int i = 0; i < 60; ++i) m.answer.push_back(aaaa_rr("big.example.test", 100));
  auto w = render(q, m, 65535);
  ASSERT_GT(w.size(), HotCache::kMaxWire);
  c.insert(cache_key(q), w, 0);
  std::vector<uint8_t> out(65535);
  bool front = true;
  EXPECT_EQ(hot.lookup(cache_key(q), q, 1, c, out, front), w.size());
  EXPECT_FALSE(front);
  EXPECT_EQ(hot.lookup(cache_key(q), q, 2, c, out, front), w.size());
  EXPECT_FALSE(front);
  EXPECT_EQ(c.stats().hits, 2u);
}

}  // namespace
}  // namespace sixfour::dns64
