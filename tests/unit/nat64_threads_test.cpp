// The State is shared by worker threads: several translators creating, refreshing and answering
// sessions at once, with expiry and listing running beside them, end with exactly the expected tables.
// (Correctness only; no timing. Run under ASan/UBSan by `make test`.)
#include <gtest/gtest.h>

#include <thread>

#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;

TEST(Nat64Threads, WorkersShareOneState) {
  auto s = lab_settings("198.51.100.0/28");
  Nat nat(s);
  constexpr int kThreads = 4, kFlows = 5000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      auto xl = sixfour::nat64::Translator::create(nat.settings, *nat.state);
      Bytes storage(65536 + 4096);
      sixfour::xlat::Output out;
      out.data = storage;
      Bytes pkt = udp6("2001:db8:1::", 1, "64:ff9b::c000:201", 53);
      for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < kFlows; ++i) {
          pkt[8 + 14] = static_cast<uint8_t>(t);
          pkt[40] = static_cast<uint8_t>((10000 + i) >> 8);
          pkt[41] = static_cast<uint8_t>(10000 + i);
          xl->translate(pkt, 1000, out);
          if (out.outcome != sixfour::xlat::Outcome::Forward) {
            ++bad;
            continue;
          }
          // Answer it from the IPv4 side through the same shared state.
          auto p4 = out.packet(0);
          Bytes v4(p4.begin(), p4.end());
          const uint16_t port4 = static_cast<uint16_t>(v4[20] << 8 | v4[21]);
          Bytes reply = udp4("192.0.2.1", 53, v4dst(v4) == "192.0.2.1" ? v4src(v4).c_str() : "0.0.0.0", port4);
          xl->translate(reply, 1000, out);
          if (out.outcome != sixfour::xlat::Outcome::Forward) {
            ++bad;
            continue;
          }
          auto p6 = out.packet(0);
          if (p6[43] != pkt[41] || p6[42] != pkt[40] || p6[24 + 14] != t) ++bad;
        }
      }
    });
  }
  std::thread janitor([&] {
    while (!done) {
      nat.state->expire(1000);  // nothing due: only the heads are looked at
      (void)nat.state->sessions(1000).size();
    }
  });
  for (auto& th : ts) th.join();
  done = true;
  janitor.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(nat.counter("bib.udp"), uint64_t{kThreads} * kFlows);
  EXPECT_EQ(nat.counter("sessions.udp"), uint64_t{kThreads} * kFlows);
  nat.state->expire(1000 + 300000);
  EXPECT_EQ(nat.counter("sessions.udp"), 0u);
}

}  // namespace
