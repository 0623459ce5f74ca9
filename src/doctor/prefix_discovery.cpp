#include "doctor/prefix_discovery.hpp"

#include <algorithm>

namespace sixfour::doctor {

Pref64Parse parse_pref64(std::span<const uint8_t> o) {
  Pref64Parse r;
  if (o.size() < 2) {
    r.error = Pref64Error::truncated;
    return r;
  }
  // §4: Length is in units of 8 octets and MUST be 2; anything else is ignored.
  if (o[1] != 2) {
    r.error = Pref64Error::bad_length;
    return r;
  }
  if (o.size() < 16) {
    r.error = Pref64Error::truncated;
    return r;
  }
  const uint16_t word = static_cast<uint16_t>(o[2] << 8 | o[3]);
  const uint16_t scaled = word >> 3;  // 13 bits, units of 8 seconds
  const uint8_t plc = word & 0x7;
  // §4 table: PLC -> prefix length; 6 and 7 are invalid and the option is ignored.
  static constexpr uint8_t kLen[8] = {96, 64, 56, 48, 40, 32, 0, 0};
  if (kLen[plc] == 0) {
    r.error = Pref64Error::bad_plc;
    return r;
  }
  Ipv6Addr a;
  std::copy(o.begin() + 4, o.begin() + 16, a.b.begin());  // the highest 96 bits; the rest is zero
  r.value.prefix = rfc7050::masked(a, kLen[plc]);
  r.value.lifetime_s = uint32_t{scaled} * 8;
  return r;
}

std::vector<Pref64> pref64_from_options(std::span<const uint8_t> opts) {
  std::vector<Pref64> out;
  size_t off = 0;
  while (off + 2 <= opts.size()) {
    const size_t len = size_t{opts[off + 1]} * 8;
    if (len == 0) return {};  // RFC 4861 §4.6: a zero-length option invalidates the packet
    if (off + len > opts.size()) break;
    if (opts[off] == kPref64Type) {
      auto p = parse_pref64(opts.subspan(off, len));
      if (p.error == Pref64Error::ok) out.push_back(p.value);
    }
    off += len;
  }
  return out;
}

std::vector<Pref64> pref64_from_ra(std::span<const uint8_t> ra) {
  // RFC 4861 §4.2: type 134, code 0, checksum, hop limit, flags, router lifetime, reachable time,
  // retrans timer = 16 octets before the options.
  if (ra.size() < 16 || ra[0] != 134 || ra[1] != 0) return {};
  return pref64_from_options(ra.subspan(16));
}

}  // namespace sixfour::doctor
