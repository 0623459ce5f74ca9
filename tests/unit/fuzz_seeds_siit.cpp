// Seeds of fuzz/siit_fuzz.cpp: a settings byte (0: 2001:db8:64::/96, hop_change -1; 2: hop_change
// 0; 32: MTU 1280), then a packet of either family between an EAM host and the IPv4 side.
#include "fuzz_seeds.hpp"
#include "nat64_fixture.hpp"

using fuzzseeds::with;
using namespace nat64test;

namespace {

constexpr const char* kEam6 = "2001:db8:a::7";  // 198.51.100.7 by the EAM 2001:db8:a::/120
constexpr const char* kEam4 = "198.51.100.7";
constexpr const char* kPeer6 = "2001:db8:64::cb00:7109";  // 203.0.113.9 under pool6
constexpr const char* kPeer4 = "203.0.113.9";

// ICMPv6 Packet Too Big (MTU 1280) quoting `inner`, from a router back to the EAM host.
Bytes too_big6(const Bytes& inner) {
  Bytes p = pb6::ipv6({.src = kPeer6, .dst = kEam6}, 58, pb6::icmp6(2, 0, 1280, inner));
  pb6::fill_checksum6(p, 40, 58, 2);
  return p;
}

}  // namespace

SIXFOUR_FUZZ_SEEDS(siit) {
  fuzzseeds::Seeds s;
  const Bytes u6 = udp6(kEam6, 5000, kPeer6, 53, pb6::pattern(40));
  s.emplace_back("udp6", with({0}, u6));
  s.emplace_back("udp6-hop0", with({2}, u6));
  s.emplace_back("udp6-big", with({32}, udp6(kEam6, 5000, kPeer6, 53, pb6::pattern(1400))));
  s.emplace_back("tcp6-syn", with({0}, tcp6(kEam6, 40000, kPeer6, 80, 0x02)));
  s.emplace_back("echo6", with({2}, echo6(kEam6, kPeer6, 0x1234, 1)));
  s.emplace_back("too-big6", with({0}, too_big6(udp6(kPeer6, 53, kEam6, 5000, pb6::pattern(1300)))));
  Bytes frag = pb6::ipv6({.src = kEam6, .dst = kPeer6}, 44, [] {
    Bytes b = pb6::fragment_header(17, 0, true, 77);
    pb6::put(b, pb6::udp(5000, 53, pb6::pattern(64)));
    return b;
  }());
  s.emplace_back("frag6", with({0}, frag));
  s.emplace_back("exthdr6", with({0}, pb6::ipv6({.src = kEam6, .dst = kPeer6}, 0, [] {
                                   Bytes b = pb6::opts_header(17);
                                   pb6::put(b, pb6::udp(5000, 53, pb6::pattern(8)));
                                   return b;
                                 }())));
  s.emplace_back("udp4", with({0}, udp4(kPeer4, 53, kEam4, 5000, v4to6test::pattern(40))));
  s.emplace_back("tcp4-synack", with({0}, tcp4(kPeer4, 80, kEam4, 40000, 0x12)));
  s.emplace_back("echo4", with({2}, echo4(kPeer4, kEam4, 0x1234, 1, true)));
  const Bytes quoted = udp4(kEam4, 5000, kPeer4, 53, v4to6test::pattern(16));
  s.emplace_back("unreach4", with({0}, v4to6test::ipv4(1, a4(kPeer4), a4(kEam4), v4to6test::icmp4(3, 3, 0, quoted))));
  s.emplace_back("frag4",
                 with({32}, v4to6test::ipv4(17, a4(kPeer4), a4(kEam4),
                                            v4to6test::udp(a4(kPeer4), a4(kEam4), 53, 5000, v4to6test::pattern(24)),
                                            {.mf = true})));
  s.emplace_back("options4",
                 with({0}, v4to6test::ipv4(17, a4(kPeer4), a4(kEam4),
                                           v4to6test::udp(a4(kPeer4), a4(kEam4), 53, 5000, v4to6test::pattern(8)),
                                           {.options = {1, 1, 1, 0}})));
  return s;
}
