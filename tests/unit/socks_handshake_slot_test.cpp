// --max-handshakes-per-client (the slowloris defence): a client's handshakes in progress have their
// own budget, the oldest is closed when a new one arrives over it, other clients are untouched, and
// a handshake that ends leaves the budget.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "io/socks/shared.hpp"

namespace sixfour::io::socks_proxy {
namespace {

std::array<uint8_t, 16> client(uint8_t last) {
  std::array<uint8_t, 16> k{0x20, 0x01, 0x0d, 0xb8};
  k[15] = last;
  return k;
}

struct Handshakes {
  Shared shared;
  std::vector<std::unique_ptr<HandshakeSlot>> slots;
  std::vector<int> closed;  // indexes into slots, in the order they were closed

  explicit Handshakes(unsigned budget) { shared.cfg.max_handshakes_per_client = budget; }
  size_t open(uint8_t who) {
    const size_t i = slots.size();
    slots.push_back(std::make_unique<HandshakeSlot>(shared, client(who)));
    slots.back()->admit([this, i] { closed.push_back(static_cast<int>(i)); });
    return i;
  }
  uint64_t evicted() const { return shared.ctr.handshake_evicted.load(); }
};

TEST(SocksHandshakeBudget, OldestOfThatClientGoesFirst) {
  Handshakes h(2);
  h.open(1);  // 0
  h.open(1);  // 1
  h.open(2);  // 2: another client
  EXPECT_TRUE(h.closed.empty());
  h.open(1);  // 3: over client 1's budget, its oldest (0) is closed
  EXPECT_EQ(h.closed, (std::vector<int>{0}));
  h.open(1);  // 4: then 1
  EXPECT_EQ(h.closed, (std::vector<int>{0, 1}));
  EXPECT_EQ(h.evicted(), 2u);
  h.open(2);  // 5: client 2 has 2 now, nothing closed
  EXPECT_EQ(h.closed.size(), 2u);
  h.open(2);  // 6: client 2's oldest (2)
  EXPECT_EQ(h.closed, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(h.evicted(), 3u);
}

TEST(SocksHandshakeBudget, FinishedHandshakesLeaveTheBudget) {
  Handshakes h(2);
  h.open(1);           // 0
  h.open(1);           // 1
  h.slots[0]->done();  // became a relay: no longer counted
  h.open(1);           // 2
  EXPECT_TRUE(h.closed.empty());
  h.slots[0]->done();  // twice changes nothing
  h.open(1);           // 3: now 1 is the oldest in the handshake
  EXPECT_EQ(h.closed, (std::vector<int>{1}));
  // Every slot ended (a destroyed slot ends too): nothing is left in the table.
  h.slots.clear();
  EXPECT_TRUE(h.shared.handshakes.empty());
}

TEST(SocksHandshakeBudget, ZeroMeansNoLimit) {
  Handshakes h(0);
  for (int i = 0; i < 100; ++i) h.open(1);
  EXPECT_TRUE(h.closed.empty());
  EXPECT_EQ(h.evicted(), 0u);
  EXPECT_TRUE(h.shared.handshakes.empty());
}

}  // namespace
}  // namespace sixfour::io::socks_proxy
