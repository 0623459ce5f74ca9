// The Internet checksum (RFC 1071) and its incremental update (RFC 1624, eqn. 3).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace sixfour::checksum {

// One's-complement sum of `data` added to `sum` (not folded, not inverted). Odd lengths are padded
// with a zero byte as RFC 1071 says. `sum` may carry a partial sum from a previous call only if the
// previous chunk had an even length.
uint32_t partial(std::span<const uint8_t> data, uint32_t sum = 0);

// Folds a 32-bit partial sum to 16 bits (not inverted).
uint16_t fold(uint32_t sum);

// The checksum field value for a sum: ~fold(sum).
inline uint16_t finish(uint32_t sum) { return static_cast<uint16_t>(~fold(sum)); }

// Pseudo-header sums (not folded): RFC 768/793 for IPv4, RFC 8200 §8.1 for IPv6.
uint32_t pseudo_header4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len);
uint32_t pseudo_header6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header, uint32_t len);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a checksum field HC over data in which the 16-bit
// words summing to `old_sum` were replaced by words summing to `new_sum`. The sums are partial
// (unfolded) sums as returned by partial()/pseudo_header*().
uint16_t update(uint16_t old_checksum, uint32_t old_sum, uint32_t new_sum);

}  // namespace sixfour::checksum
