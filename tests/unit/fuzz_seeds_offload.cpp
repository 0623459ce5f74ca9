// Seeds of fuzz/offload_fuzz.cpp: a virtio-net header (offload::store) and a packet, for each path
// of offload::classify(): plain, partial checksum, GSO super-packets of both families that take
// the fast path, and ones that are segmented in software. Addresses: the EAM host 2001:db8:a::5
// (198.51.100.5) and 192.0.2.1 under pool6, as the target's translator is set up.
#include "common/checksum.hpp"
#include "fuzz_seeds.hpp"
#include "nat64_fixture.hpp"
#include "xlat/offload.hpp"

using namespace nat64test;
namespace off = sixfour::xlat::offload;

namespace {

constexpr const char* kHost6 = "2001:db8:a::5";
constexpr const char* kPeer6 = "2001:db8:64::c000:201";
constexpr const char* kHost4 = "198.51.100.5";
constexpr const char* kPeer4 = "192.0.2.1";

Bytes vnet(const off::VnetHdr& h, const Bytes& pkt) {
  Bytes b(off::kVnetHdrLen);
  off::store(h, b.data());
  b.insert(b.end(), pkt.begin(), pkt.end());
  return b;
}

// The L4 checksum field at `l4_off + ck_rel` made partial: the folded pseudo-header sum only.
Bytes partial(Bytes p, size_t l4_off, uint8_t proto, size_t ck_rel) {
  const auto len = static_cast<uint16_t>(p.size() - l4_off);
  const uint32_t sum = (p[0] >> 4) == 4 ? checksum::pseudo_header4(&p[12], &p[16], proto, len)
                                        : checksum::pseudo_header6(&p[8], &p[24], proto, len);
  const uint16_t f = checksum::fold(sum);
  p[l4_off + ck_rel] = static_cast<uint8_t>(f >> 8);
  p[l4_off + ck_rel + 1] = static_cast<uint8_t>(f);
  return p;
}

off::VnetHdr gso(uint8_t type, uint16_t size, uint16_t hdr_len, uint16_t csum_start, uint16_t csum_offset) {
  return {off::kFlagNeedsCsum, type, hdr_len, size, csum_start, csum_offset};
}

Bytes tcp6_data(size_t n) {
  Bytes p = pb6::ipv6({.src = kHost6, .dst = kPeer6}, 6, pb6::tcp(40000, 80, pb6::pattern(n)));
  pb6::fill_checksum6(p, 40, 6, 16);
  return p;
}

Bytes tcp4_data(size_t n, bool df) {
  return v4to6test::ipv4(6, a4(kPeer4), a4(kHost4),
                         v4to6test::tcp(a4(kPeer4), a4(kHost4), 80, 40000, v4to6test::pattern(n)), {.df = df});
}

}  // namespace

SIXFOUR_FUZZ_SEEDS(offload) {
  fuzzseeds::Seeds s;
  s.emplace_back("plain-udp4", vnet({}, udp4(kPeer4, 53, kHost4, 5000, v4to6test::pattern(100))));
  s.emplace_back("plain-udp6", vnet({}, udp6(kHost6, 5000, kPeer6, 53, pb6::pattern(100))));
  s.emplace_back("csum-udp6", vnet({off::kFlagNeedsCsum, off::kGsoNone, 0, 0, 40, 6},
                                   partial(udp6(kHost6, 5000, kPeer6, 53, pb6::pattern(60)), 40, 17, 6)));
  s.emplace_back("uso6-super", vnet(gso(off::kGsoUdpL4, 1300, 48, 40, 6),
                                    partial(udp6(kHost6, 5000, kPeer6, 53, pb6::pattern(3900)), 40, 17, 6)));
  s.emplace_back("uso4-super", vnet(gso(off::kGsoUdpL4, 100, 28, 20, 6),
                                    partial(udp4(kPeer4, 53, kHost4, 5000, v4to6test::pattern(250)), 20, 17, 6)));
  s.emplace_back("tso6-super", vnet(gso(off::kGsoTcpV6, 1400, 60, 40, 16), partial(tcp6_data(4200), 40, 6, 16)));
  s.emplace_back("tso4-super", vnet(gso(off::kGsoTcpV4, 1400, 40, 20, 16), partial(tcp4_data(4200, true), 20, 6, 16)));
  off::VnetHdr seg = gso(off::kGsoTcpV4, 500, 40, 20, 16);
  seg.flags = 0;  // complete checksum: segmented in software
  s.emplace_back("tso4-segment", vnet(seg, tcp4_data(1500, false)));
  s.emplace_back("uso6-small-segments", vnet(gso(off::kGsoUdpL4, 200, 48, 40, 6),
                                             partial(udp6(kHost6, 5000, kPeer6, 53, pb6::pattern(700)), 40, 17, 6)));
  return s;
}
