#include "xlat/icmp_rate_limit.hpp"

#include <algorithm>

namespace sixfour::xlat {

std::optional<ErrorDestination> error_destination(std::span<const uint8_t> p) {
  uint64_t bits = 0;
  if (p.size() >= 20 && p[0] >> 4 == 4) {
    for (size_t i = 16; i < 20; ++i) bits = bits << 8 | p[i];
    return ErrorDestination{bits, false};
  }
  if (p.size() < 40 || p[0] >> 4 != 6) return std::nullopt;
  for (size_t i = 24; i < 32; ++i) bits = bits << 8 | p[i];  // the /64
  return ErrorDestination{bits, true};
}

IcmpLimits IcmpLimits::share(const Config& x, unsigned workers, uint64_t seed) {
  const IcmpRateLimit dst = IcmpRateLimit::share(x.icmp_errors_per_destination,
                                                 std::min(x.icmp_errors_per_destination, x.icmp_errors_burst), workers);
  return {IcmpRateLimit::share(x.icmp_errors_per_second, x.icmp_errors_burst, workers),
          dst.unlimited() ? IcmpDestinationLimit{} : IcmpDestinationLimit(dst.rate(), dst.burst(), seed)};
}

bool carries_path_mtu(std::span<const uint8_t> e) {
  if (e.empty()) return false;
  if (e[0] >> 4 == 4) {
    const size_t ihl = size_t{e[0] & 0x0fu} * 4;
    return e.size() >= ihl + 2 && e[9] == 1 && e[ihl] == 3 && e[ihl + 1] == 4;  // Fragmentation Needed
  }
  return e.size() >= 41 && e[0] >> 4 == 6 && e[6] == 58 && e[40] == 2;  // Packet Too Big
}

bool is_icmp_error(std::span<const uint8_t> p) {
  if (p.size() >= 20 && p[0] >> 4 == 4) {
    const size_t ihl = size_t{p[0] & 0x0fu} * 4;
    if (p[9] != 1 || p.size() <= ihl) return false;
    const uint8_t type = p[ihl];
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  }
  return p.size() > 40 && p[0] >> 4 == 6 && p[6] == 58 && p[40] < 128;
}

bool admit_packet(IcmpLimits& l, uint64_t now_ms, std::span<const uint8_t> p) {
  if ((l.global.unlimited() && l.per_destination.off()) || !is_icmp_error(p) || carries_path_mtu(p)) return true;
  if (!l.per_destination.off()) {
    const auto d = error_destination(p);
    if (d && !l.per_destination.allow(*d, now_ms)) return false;
  }
  return l.global.allow(now_ms);
}

bool admit_error(IcmpLimits& limits, uint64_t now_ms, Output& out) {
  if (out.outcome != Outcome::Reply || out.count == 0) return true;
  if (admit_packet(limits, now_ms, out.packet(0))) return true;
  out.drop(out.reason);
  return false;
}

}  // namespace sixfour::xlat
