#include "common/checksum.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace sixfour;

// RFC 1071 §3 worked example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (folded).
TEST(Checksum, Rfc1071Example) {
  std::vector<uint8_t> d{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum::fold(checksum::partial(d)), 0xddf2);
  EXPECT_EQ(checksum::finish(checksum::partial(d)), 0x220d);
}

TEST(Checksum, OddLengthPadsWithZero) {
  std::vector<uint8_t> d{0x12, 0x34, 0x56};
  EXPECT_EQ(checksum::fold(checksum::partial(d)), 0x1234 + 0x5600);
}

// RFC 1624 §4 (eqn. 3) gives the same result as recomputing from scratch.
TEST(Checksum, IncrementalUpdateMatchesRecompute) {
  std::vector<uint8_t> d{0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01,
                         0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02};
  uint16_t before = checksum::finish(checksum::partial(d));
  uint32_t old_part = checksum::partial(std::span(d).subspan(12, 8));
  d[12] = 0xcb;
  d[13] = 0x00;
  d[14] = 0x71;
  d[15] = 0x05;
  uint32_t new_part = checksum::partial(std::span(d).subspan(12, 8));
  EXPECT_EQ(checksum::update(before, old_part, new_part), checksum::finish(checksum::partial(d)));
}
