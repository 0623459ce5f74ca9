// Memory per session: 1,000,000 UDP sessions (each with its own BIB entry: the worst case) created
// through the translator; bytes per session measured with mallinfo2(). Reports the figure; asserts
// only the design bound (well under 1 KiB/session). No timing.
#include <gtest/gtest.h>
#include <malloc.h>

#include <iostream>

#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(Nat64Memory, OneMillionUdpSessions) {
  if (kSanitized) GTEST_SKIP() << "mallinfo2() does not see ASan's allocator";
  auto s = lab_settings("198.51.100.0/24");
  s.pool4.push_back(sixfour::nat64::parse_pool4("203.0.113.0/24").value());
  constexpr uint32_t kSessions = 1'000'000;
  Bytes storage(65536 + 4096);
  Bytes pkt = udp6("2001:db8:1::", 1, "64:ff9b::c000:201", 53, {1, 2, 3, 4});

  // Heap in use plus mmap()ed blocks (large bucket arrays are mmap()ed, not in uordblks).
  auto in_use = [] {
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
  };
  malloc_trim(0);
  const size_t before = in_use();
  {
    Nat nat(s);
    sixfour::xlat::Output out;
    out.data = storage;
    for (uint32_t i = 0; i < kSessions; ++i) {
      // 1000 hosts x 1000 source ports. The UDP checksum is not checked by the translator (it is
      // updated incrementally), so the changed fields need no new checksum here.
      const uint32_t h = i / 1000, port = 10000 + i % 1000;
      pkt[8 + 14] = static_cast<uint8_t>(h >> 8);
      pkt[8 + 15] = static_cast<uint8_t>(h);
      pkt[40] = static_cast<uint8_t>(port >> 8);
      pkt[41] = static_cast<uint8_t>(port);
      nat.xl->translate(pkt, nat.now, out);
      ASSERT_EQ(out.outcome, sixfour::xlat::Outcome::Forward) << i;
    }
    EXPECT_EQ(nat.counter("sessions.udp"), kSessions);
    EXPECT_EQ(nat.counter("bib.udp"), kSessions);
    const size_t after = in_use();
    const double per = static_cast<double>(after - before) / kSessions;
    std::cout << "[ nat64 ] " << kSessions << " UDP sessions: " << (after - before) / (1 << 20) << " MiB, " << per
              << " bytes/session (BIB + session + indexes)\n";
    RecordProperty("bytes_per_session", static_cast<int>(per));
    EXPECT_LT(per, 1024.0);

    nat.state->expire(nat.now + 300000);
    EXPECT_EQ(nat.counter("sessions.udp"), 0u);
    EXPECT_EQ(nat.counter("bib.udp"), 0u);
  }
}

}  // namespace
