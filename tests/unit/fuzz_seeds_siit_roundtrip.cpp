// Seeds of fuzz/siit_roundtrip_fuzz.cpp: one packet of either family between the EAM host
// 2001:db8:a::7 (198.51.100.7) and 203.0.113.9 under pool6; most of them meet the target's
// lossless conditions, the last ones (extension header, flow label, fragment) do not.
#include "fuzz_seeds.hpp"
#include "nat64_fixture.hpp"

using namespace nat64test;

namespace {

constexpr const char* kEam6 = "2001:db8:a::7";
constexpr const char* kEam4 = "198.51.100.7";
constexpr const char* kPeer6 = "2001:db8:64::cb00:7109";
constexpr const char* kPeer4 = "203.0.113.9";

}  // namespace

SIXFOUR_FUZZ_SEEDS(siit_roundtrip) {
  fuzzseeds::Seeds s;
  s.emplace_back("udp6", udp6(kEam6, 5000, kPeer6, 53, pb6::pattern(40)));
  s.emplace_back("udp6-eam-to-eam", udp6(kEam6, 5000, "2001:db8:c::102", 53, pb6::pattern(9)));
  s.emplace_back("tcp6-syn", tcp6(kEam6, 40000, kPeer6, 80, 0x02));
  s.emplace_back("echo6", echo6(kEam6, kPeer6, 0x1234, 1));
  s.emplace_back("echo6-reply", echo6(kPeer6, kEam6, 0x1234, 1, true));
  s.emplace_back("udp6-big", udp6(kEam6, 5000, kPeer6, 53, pb6::pattern(1400)));
  s.emplace_back("udp4", udp4(kPeer4, 53, kEam4, 5000, v4to6test::pattern(40)));
  s.emplace_back("tcp4-synack", tcp4(kPeer4, 80, kEam4, 40000, 0x12));
  s.emplace_back("echo4", echo4(kPeer4, kEam4, 0x1234, 1, false));
  s.emplace_back("echo4-reply", echo4(kEam4, kPeer4, 0x1234, 1, true));
  Bytes flow = udp6(kEam6, 5000, kPeer6, 53, pb6::pattern(8));
  flow[3] = 0x42;  // flow label: not kept
  s.emplace_back("udp6-flow-label", flow);
  s.emplace_back("exthdr6", pb6::ipv6({.src = kEam6, .dst = kPeer6}, 0, [] {
                   Bytes b = pb6::opts_header(17);
                   pb6::put(b, pb6::udp(5000, 53, pb6::pattern(8)));
                   return b;
                 }()));
  s.emplace_back(
      "frag4", v4to6test::ipv4(17, a4(kPeer4), a4(kEam4),
                               v4to6test::udp(a4(kPeer4), a4(kEam4), 53, 5000, v4to6test::pattern(24)), {.mf = true}));
  return s;
}
