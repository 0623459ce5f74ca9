#include "xlat/icmp_rate_limit.hpp"

#include <algorithm>

namespace sixfour::xlat {

IcmpRateLimit::IcmpRateLimit(uint32_t per_second, uint32_t burst)
    : per_second_(per_second), cap_milli_(uint64_t{std::max<uint32_t>(burst, 1)} * 1000), tokens_milli_(cap_milli_) {}

IcmpRateLimit IcmpRateLimit::share(uint32_t per_second, uint32_t burst, unsigned workers) {
  if (per_second == 0) return {};
  const unsigned n = std::max(workers, 1u);
  return {std::max<uint32_t>(per_second / n, 1), std::max<uint32_t>(burst / n, 1)};
}

bool IcmpRateLimit::allow(uint64_t now_ms) {
  if (per_second_ == 0) return true;
  if (!started_) {
    started_ = true;
    last_ms_ = now_ms;
  }
  if (now_ms > last_ms_) {
    // per_second tokens a second = per_second thousandths of a token a millisecond.
    const uint64_t elapsed = now_ms - last_ms_;
    tokens_milli_ = std::min(cap_milli_, tokens_milli_ + std::min(elapsed, uint64_t{1} << 32) * per_second_);
    last_ms_ = now_ms;
  }
  if (tokens_milli_ < 1000) return false;
  tokens_milli_ -= 1000;
  return true;
}

bool carries_path_mtu(std::span<const uint8_t> e) {
  if (e.empty()) return false;
  if (e[0] >> 4 == 4) {
    const size_t ihl = size_t{e[0] & 0x0fu} * 4;
    return e.size() >= ihl + 2 && e[9] == 1 && e[ihl] == 3 && e[ihl + 1] == 4;  // Fragmentation Needed
  }
  return e.size() >= 41 && e[0] >> 4 == 6 && e[6] == 58 && e[40] == 2;  // Packet Too Big
}

bool admit_error(IcmpRateLimit& limit, uint64_t now_ms, Output& out) {
  if (out.outcome != Outcome::Reply || limit.unlimited() || out.count == 0) return true;
  if (carries_path_mtu(out.packet(0)) || limit.allow(now_ms)) return true;
  out.drop(out.reason);
  return false;
}

}  // namespace sixfour::xlat
