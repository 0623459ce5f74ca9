#include "dns64/rate_limit.hpp"

#include <algorithm>

namespace sixfour::dns64 {

namespace {

uint64_t leading_bits(const uint8_t* b, size_t bytes, unsigned keep) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = v << 8 | b[i];
  const unsigned width = static_cast<unsigned>(bytes * 8);
  return keep >= width ? v : keep == 0 ? 0 : v & ~((uint64_t{1} << (width - keep)) - 1);
}

}  // namespace

RateKey client_prefix(const Endpoint& c, const RateLimitSettings& s) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!c.v6) return {leading_bits(c.a4.b.data(), 4, s.ipv4_prefix), false};
  if (std::equal(kMapped, kMapped + 12, c.a6.b.begin()))
    return {leading_bits(c.a6.b.data() + 12, 4, s.ipv4_prefix), false};
  return {leading_bits(c.a6.b.data(), 8, s.ipv6_prefix), true};
}

ResponseRateLimit::ResponseRateLimit(const RateLimitSettings& s, uint64_t seed)
    : s_(s), table_(s.per_second, s.per_second, seed) {}

ResponseRateLimit::Verdict ResponseRateLimit::check(const Endpoint& client, uint64_t now_ms) {
  if (table_.off() || table_.allow(client_prefix(client, s_), now_ms)) return Verdict::Answer;
  ++over_;
  return s_.slip != 0 && over_ % s_.slip == 0 ? Verdict::Slip : Verdict::Drop;
}

}  // namespace sixfour::dns64
