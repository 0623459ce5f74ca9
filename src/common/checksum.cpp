#include "common/checksum.hpp"

#include "common/bytes.hpp"

namespace sixfour::checksum {

uint32_t partial(std::span<const uint8_t> data, uint32_t sum) {
  uint64_t acc = sum;
  const uint8_t* p = data.data();
  size_t n = data.size();
  // Summing 32-bit big-endian words into a 64-bit accumulator is equivalent to summing 16-bit
  // words (one's-complement addition is associative), and halves the loop count.
  while (n >= 4) {
    acc += load32(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    acc += load16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) acc += uint32_t{p[0]} << 8;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

uint32_t pseudo_header4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len) {
  uint32_t sum = partial({src, 4});
  sum = partial({dst, 4}, sum);
  uint64_t s = uint64_t{sum} + proto + len;
  return static_cast<uint32_t>((s & 0xffffffffu) + (s >> 32));
}

uint32_t pseudo_header6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header, uint32_t len) {
  uint32_t sum = partial({src, 16});
  sum = partial({dst, 16}, sum);
  uint64_t s = uint64_t{sum} + (len >> 16) + (len & 0xffffu) + next_header;
  return static_cast<uint32_t>((s & 0xffffffffu) + (s >> 32));
}

uint16_t update(uint16_t old_checksum, uint32_t old_sum, uint32_t new_sum) {
  // ~HC + ~m + m' where m and m' are folded 16-bit sums.
  uint32_t s = static_cast<uint16_t>(~old_checksum);
  s += static_cast<uint16_t>(~fold(old_sum));
  s += fold(new_sum);
  return static_cast<uint16_t>(~fold(s));
}

}  // namespace sixfour::checksum
