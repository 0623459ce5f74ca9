#include "clat/address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <vector>

#include "addr/rfc7050.hpp"

namespace sixfour::clat {

Result<Ipv4Addr> pick_ipv4(std::span<const Ipv4Addr> in_use) {
  const uint32_t base = kIpv4Range.addr.to_u32();
  for (uint32_t host = 1; host <= 6; ++host) {
    const Ipv4Addr a = Ipv4Addr::from_u32(base + host);
    if (std::find(in_use.begin(), in_use.end(), a) == in_use.end()) return a;
  }
  return Error{"every address of 192.0.0.0/29 (.1 to .6) is already in use on this host"};
}

namespace {

struct SipState {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13) ^ v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = std::rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = std::rotl(v1, 17) ^ v2;
    v2 = std::rotl(v2, 32);
  }
  void compress(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le64(const uint8_t* p, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= uint64_t{p[i]} << (8 * i);
  return w;
}

}  // namespace

uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data) {
  const uint64_t k0 = load_le64(key.data(), 8), k1 = load_le64(key.data() + 8, 8);
  // The initial constants spell "somepseudorandomlygeneratedbytes".
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) s.compress(load_le64(data.data() + i, 8));
  // The last block carries the message length (mod 256) in its top byte.
  s.compress(load_le64(data.data() + i, data.size() - i) | (uint64_t{data.size() & 0xff} << 56));
  s.v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

bool reserved_iid(uint64_t iid) {
  if (iid == 0) return true;                      // subnet-router anycast (RFC 4291)
  if (iid >> 24 == 0x02005effFEULL) return true;  // 0200:5eff:fe00:0/104 (RFC 4291, 6543)
  return iid >= 0xfdffffffffffff80ULL;            // reserved subnet anycast (RFC 2526)
}

namespace {

// RFC 7217 §5: F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key). The network id's length
// is hashed too, so that no two (id, counter) pairs give the same input.
uint64_t stable_iid(const SipKey& key, const Ipv6Prefix& prefix, std::string_view network_id, uint8_t dad_counter) {
  std::vector<uint8_t> in(prefix.addr.b.begin(), prefix.addr.b.begin() + 8);
  in.insert(in.end(), network_id.begin(), network_id.end());
  in.push_back(static_cast<uint8_t>(network_id.size() >> 8));
  in.push_back(static_cast<uint8_t>(network_id.size()));
  in.push_back(dad_counter);
  return siphash24(key, in);
}

Ipv6Addr with_iid(const Ipv6Prefix& prefix, uint64_t iid) {
  Ipv6Addr a = prefix.addr;
  for (int i = 0; i < 8; ++i) a.b[15 - i] = static_cast<uint8_t>(iid >> (8 * i));
  return a;
}

}  // namespace

Result<StableAddress> first_usable_address(const Ipv6Prefix& prefix, uint8_t dad_counter,
                                           std::span<const Ipv6Addr> in_use,
                                           const std::function<uint64_t(uint8_t)>& iid_for) {
  if (prefix.len != 64)
    return Error{fmt::format("{}: a dedicated CLAT address needs a /64 (RFC 7217 §5)", prefix.str())};
  for (unsigned c = dad_counter; c <= kIdgenRetries; ++c) {
    const uint64_t iid = iid_for(static_cast<uint8_t>(c));
    if (reserved_iid(iid)) continue;
    const Ipv6Addr a = with_iid(prefix, iid);
    if (std::find(in_use.begin(), in_use.end(), a) != in_use.end()) continue;
    return StableAddress{a, static_cast<uint8_t>(c)};
  }
  return Error{fmt::format("no dedicated address left in {} after {} attempts (RFC 7217 IDGEN_RETRIES)", prefix.str(),
                           kIdgenRetries + 1)};
}

Result<StableAddress> stable_address(const SipKey& key, const Ipv6Prefix& prefix, std::string_view network_id,
                                     uint8_t dad_counter, std::span<const Ipv6Addr> in_use) {
  return first_usable_address(prefix, dad_counter, in_use,
                              [&](uint8_t c) { return stable_iid(key, prefix, network_id, c); });
}

std::string_view name(AddressMode m) { return m == AddressMode::Dedicated ? "dedicated" : "shared"; }

bool usable_uplink_address(const Ipv6Addr& a) {
  static constexpr Ipv6Addr kLoopback{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  static constexpr Ipv6Prefix kMapped{Ipv6Addr{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}}, 96};
  static constexpr Ipv6Prefix kLinkLocal{Ipv6Addr{{0xfe, 0x80}}, 10};
  return a != Ipv6Addr{} && a != kLoopback && !is_multicast(a) && !kLinkLocal.contains(a) && !kMapped.contains(a);
}

namespace {

// Stable before temporary, preferred before deprecated; among equals, the kernel's order.
const UplinkAddress* best(std::span<const UplinkAddress> addrs, bool want64) {
  const UplinkAddress* found = nullptr;
  int found_rank = 4;
  for (const UplinkAddress& u : addrs) {
    if (!usable_uplink_address(u.address) || (u.prefix_len == 64) != want64) continue;
    const int rank = (u.temporary ? 2 : 0) + (u.deprecated ? 1 : 0);
    if (rank < found_rank) found = &u, found_rank = rank;
  }
  return found;
}

}  // namespace

Result<ModeChoice> choose_mode(std::span<const UplinkAddress> addrs, bool dedicated_failed) {
  const UplinkAddress* slash64 = best(addrs, true);
  if (slash64 && !dedicated_failed)
    return ModeChoice{AddressMode::Dedicated, rfc7050::masked(slash64->address, 64),
                      fmt::format("a dedicated address in the uplink's /64 {} (RFC 6877 §6.3)",
                                  rfc7050::masked(slash64->address, 64).str())};
  const UplinkAddress* other = best(addrs, false);
  const UplinkAddress* shared = slash64 && (!other || slash64->temporary <= other->temporary) ? slash64 : other;
  if (!shared) return Error{"the uplink has no global IPv6 address"};
  const std::string why = dedicated_failed ? "no dedicated address could be used (duplicate address detection)"
                                           : fmt::format("no /64 on the uplink, only /{}", shared->prefix_len);
  return ModeChoice{AddressMode::SharedHostAddress, Ipv6Prefix{shared->address, 128},
                    fmt::format("the host's address {}: {}", shared->address.str(), why)};
}

}  // namespace sixfour::clat
