// Port blocks (nat64/port_blocks.hpp, RFC 7422 style, RFC 6888 REQ-14): the numbering of the blocks
// of a pool, the keyed claim, release, and the NAT64 taking an inside host's ports from its blocks
// only, logging one line per block and freeing a block with its last BIB entry.
#include "nat64/port_blocks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "nat64_fixture.hpp"

using namespace sixfour;
using namespace sixfour::nat64;
using namespace nat64test;

namespace {

Ipv6Addr host(int k) { return *Ipv6Addr::parse(fmt::format("2001:db8:6::{:x}", k)); }

TEST(Nat64PortBlocks, NumberingAddressByAddressWholeBlocksOnly) {
  // Two addresses, ports 1024-1300 in blocks of 64: four whole blocks each (1280-1300 unused).
  PortBlocks b({*parse_pool4("203.0.113.0/31:1024-1300")}, 64, 1);
  ASSERT_TRUE(b.enabled());
  EXPECT_EQ(b.total(), 8u);
  auto blk = b.block(0);
  EXPECT_EQ(blk.addr.str(), "203.0.113.0");
  EXPECT_EQ(blk.first, 1024);
  EXPECT_EQ(blk.last, 1087);
  blk = b.block(5);
  EXPECT_EQ(blk.addr.str(), "203.0.113.1");
  EXPECT_EQ(blk.first, 1088);
  EXPECT_EQ(blk.last, 1151);
  EXPECT_EQ(b.block_of(*Ipv4Addr::parse("203.0.113.1"), 1100), 5u);
  EXPECT_EQ(b.block_of(*Ipv4Addr::parse("203.0.113.1"), 1279), 7u);
  EXPECT_EQ(b.block_of(*Ipv4Addr::parse("203.0.113.1"), 1280), std::nullopt);  // past the last whole block
  EXPECT_EQ(b.block_of(*Ipv4Addr::parse("203.0.113.0"), 1000), std::nullopt);  // below the range
  EXPECT_EQ(b.block_of(*Ipv4Addr::parse("203.0.113.2"), 1100), std::nullopt);  // not in pool4
  // A second entry continues the numbering.
  PortBlocks two({*parse_pool4("203.0.113.0:1024-1151"), *parse_pool4("192.0.2.8:2000-2127")}, 64, 1);
  EXPECT_EQ(two.total(), 4u);
  EXPECT_EQ(two.block(2).addr.str(), "192.0.2.8");
  EXPECT_EQ(two.block(3).first, 2064);
  EXPECT_EQ(two.block_of(*Ipv4Addr::parse("192.0.2.8"), 2064), 3u);
  EXPECT_FALSE(PortBlocks({*parse_pool4("203.0.113.0")}, 0, 1).enabled());
}

TEST(Nat64PortBlocks, ClaimIsKeyedExclusiveAndReleased) {
  const std::vector<Pool4Entry> pool{*parse_pool4("203.0.113.0/30:1024-2047")};  // 4 x 16 blocks of 64
  PortBlocks a(pool, 64, 42), again(pool, 64, 42);
  const auto first = a.claim(host(1));
  ASSERT_TRUE(first);
  EXPECT_EQ(again.claim(host(1)), first);  // the same key, the same first choice
  // Other keys choose other blocks for most hosts.
  int differ = 0;
  for (int k = 1; k <= 20; ++k)
    differ += PortBlocks(pool, 64, 7).claim(host(k)) != PortBlocks(pool, 64, 8).claim(host(k));
  EXPECT_GE(differ, 15);
  // Every block once, then none.
  std::set<uint64_t> ids{*first};
  for (int k = 2; k <= 64; ++k) {
    auto id = a.claim(host(k));
    ASSERT_TRUE(id) << k;
    EXPECT_TRUE(ids.insert(*id).second) << "block " << *id << " given twice";
    a.hold(*id);
  }
  EXPECT_EQ(a.in_use(), 64u);
  EXPECT_EQ(a.claim(host(65)), std::nullopt);
  // The last entry of a block frees it; a block claimed and never used is given back.
  const uint64_t id2 = a.blocks_of(host(2)).at(0);
  a.hold(id2);
  EXPECT_FALSE(a.release(id2));
  EXPECT_TRUE(a.release(id2));
  EXPECT_TRUE(a.blocks_of(host(2)).empty());
  EXPECT_EQ(a.claim(host(66)), id2);
  a.give_back(*first);  // host 1 never held an entry in it
  EXPECT_TRUE(a.blocks_of(host(1)).empty());
  EXPECT_EQ(a.in_use(), 63u);
}

struct Port4 {
  std::string addr;
  uint16_t port;
};
Port4 source4(const Got& r) {
  EXPECT_EQ(r.outcome, xlat::Outcome::Forward);
  if (r.pkts.empty()) return {};
  return {v4src(r.pkt()), static_cast<uint16_t>(r.pkt().at(20) << 8 | r.pkt().at(21))};
}

// The table is sharded (nat64/table.hpp): a host's flows spread over up to 16 shards, and each has
// its share of every block (N / shards ports). Blocks of 512 leave 32 ports per shard: 50 flows fit
// one block, 600 need more than one.
TEST(Nat64PortBlocks, AHostsPortsComeFromItsBlocksLoggedOncePerBlock) {
  std::vector<LogEvent> events;
  auto s = lab_settings("198.51.100.0/30");
  s.port_block_size = 512;
  s.log_per_session = false;
  s.log = [&](const LogEvent& e) { events.push_back(e); };
  Nat nat(s);
  const char* peer = "64:ff9b::c000:201";  // 192.0.2.1
  auto in_block = [](const Port4& p, const LogEvent& e) {
    return p.addr == e.addr4.str() && p.port >= e.port4 && p.port <= e.port4_last;
  };
  // Host A: 40 UDP flows and 10 TCP ones, all in one block of one address.
  std::vector<Port4> a;
  for (uint16_t i = 0; i < 40; ++i) a.push_back(source4(nat.run(udp6("2001:db8:1::a", 40000 + i, peer, 53))));
  for (uint16_t i = 0; i < 10; ++i) a.push_back(source4(nat.run(tcp6("2001:db8:1::a", 50000 + i, peer, 80, 0x02))));
  ASSERT_EQ(events.size(), 1u);  // no BIB or session lines: only the block
  const LogEvent blk_a = events[0];
  EXPECT_EQ(blk_a.kind, LogEvent::Kind::BlockAdded);
  EXPECT_EQ(blk_a.addr6.str(), "2001:db8:1::a");
  EXPECT_EQ(blk_a.port4_last - blk_a.port4, 511);
  EXPECT_EQ((blk_a.port4 - 1024) % 512, 0);
  for (const Port4& p : a) EXPECT_TRUE(in_block(p, blk_a)) << p.addr << "#" << p.port;
  EXPECT_EQ(nat.counter("port-blocks.in-use"), 1u);
  EXPECT_EQ(nat.counter("port-blocks.total"), 4u * 126);  // (65535 - 1024 + 1) / 512 = 126 whole blocks per address

  // Host B: 600 UDP flows need more than one block; every port is in one of B's blocks, none in A's.
  std::vector<Port4> b;
  for (uint16_t i = 0; i < 600; ++i) b.push_back(source4(nat.run(udp6("2001:db8:1::b", 20000 + i, peer, 53))));
  ASSERT_GE(events.size(), 3u);
  std::vector<LogEvent> blks_b(events.begin() + 1, events.end());
  for (const LogEvent& e : blks_b) {
    EXPECT_EQ(e.kind, LogEvent::Kind::BlockAdded);
    EXPECT_EQ(e.addr6.str(), "2001:db8:1::b");
  }
  for (const Port4& p : b) {
    EXPECT_FALSE(in_block(p, blk_a));
    EXPECT_TRUE(std::any_of(blks_b.begin(), blks_b.end(), [&](const LogEvent& e) { return in_block(p, e); }))
        << p.addr << "#" << p.port;
  }
  const size_t added = events.size();
  EXPECT_EQ(nat.counter("port-blocks.in-use"), added);

  // Everything expires: each block goes with its last BIB entry, one line each.
  nat.state->expire(nat.now + 3 * 3600 * 1000);
  EXPECT_TRUE(nat.state->bib().empty());
  ASSERT_EQ(events.size(), 2 * added);
  for (size_t i = added; i < events.size(); ++i) EXPECT_EQ(events[i].kind, LogEvent::Kind::BlockRemoved);
  EXPECT_EQ(nat.counter("port-blocks.in-use"), 0u);
}

TEST(Nat64PortBlocks, OffMeansThePoolAtLarge) {
  auto s = lab_settings("198.51.100.0/30");
  Nat nat(s);
  nat.run(udp6("2001:db8:1::a", 40000, "64:ff9b::c000:201", 53));
  EXPECT_EQ(nat.counter("port-blocks.in-use"), ~uint64_t{0});  // no such counter
}

}  // namespace
