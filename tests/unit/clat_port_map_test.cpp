// The CLAT's shared-address mode (clat/port_map.hpp): the port mapping, which packets to the host's
// address are the CLAT's, the mapper with it, the nftables script, and the reserved-ports list text.
#include "clat/port_map.hpp"

#include <gtest/gtest.h>

#include "clat/mapper.hpp"
#include "io/clat/reserved_ports.hpp"
#include "packet_builder6.hpp"

using namespace sixfour;
using namespace sixfour::clat;

namespace {

struct FakeClock {
  uint64_t now = 1000;
  std::function<uint64_t()> fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST(ClatPortMap, MapsIntoTheRangeAndBack) {
  FakeClock clock;
  PortMap m({61000, 10}, clock.fn());
  const auto a = m.outward(17, 40000);
  ASSERT_TRUE(a);
  EXPECT_TRUE(m.range().contains(*a));
  EXPECT_EQ(*a, 61000 + 40000 % 10);   // the host port's own slot first
  EXPECT_EQ(m.outward(17, 40000), a);  // stable
  EXPECT_EQ(m.inward(17, *a), 40000);
  EXPECT_EQ(m.find_outward(17, 40000), a);
  // Per protocol: the same port in TCP is another mapping, ICMP identifiers too.
  EXPECT_FALSE(m.inward(6, *a));
  EXPECT_TRUE(m.outward(6, 40000));
  EXPECT_TRUE(m.outward(1, 0x1234));
  EXPECT_FALSE(m.outward(47, 1));     // GRE: no identifiers, no mapping
  EXPECT_FALSE(m.inward(17, 60999));  // outside the range
  EXPECT_EQ(m.size(), 3u);
}

TEST(ClatPortMap, FullRangeReusesOnlyIdleMappings) {
  FakeClock clock;
  PortMap m({61000, 4}, clock.fn());
  for (uint16_t p = 50000; p < 50004; ++p) ASSERT_TRUE(m.outward(17, p));
  EXPECT_FALSE(m.outward(17, 50004));  // all four live
  clock.now += 301;                    // RFC 4787 REQ-5: UDP idle after 5 minutes
  ASSERT_TRUE(m.outward(17, 50001));   // refreshed
  const auto reused = m.outward(17, 50004);
  ASSERT_TRUE(reused);
  EXPECT_EQ(m.inward(17, *reused), 50004);
  EXPECT_FALSE(m.find_outward(17, 50000));  // the idle one in its slot gave way
  // TCP lives 2 h 4 min (RFC 5382 REQ-5).
  PortMap t({61000, 1}, clock.fn());
  ASSERT_TRUE(t.outward(6, 1));
  clock.now += 7000;
  EXPECT_FALSE(t.outward(6, 2));
  clock.now += 500;
  EXPECT_TRUE(t.outward(6, 2));
}

TEST(ClatPortMap, SharedOwnsOnlyTheRange) {
  const PortRange r{61000, 4536};
  auto udp_to = [](uint16_t dport) {
    return pb6::ipv6({.src = "2001:db8:64::cb00:7109", .dst = "2001:db8:7::100"}, 17,
                     pb6::udp(53, dport, pb6::pattern(8)));
  };
  EXPECT_TRUE(shared_owns(udp_to(61000), r));
  EXPECT_TRUE(shared_owns(udp_to(65535), r));
  EXPECT_FALSE(shared_owns(udp_to(40000), r));  // the host's own
  // Echo Reply by identifier; an Echo Request to the host is the host's.
  pb6::Bytes reply = {129, 0, 0, 0, 0xee, 0x48, 0, 1};  // id 61000
  EXPECT_TRUE(shared_owns(pb6::ipv6({}, 58, reply), r));
  reply[0] = 128;
  EXPECT_FALSE(shared_owns(pb6::ipv6({}, 58, reply), r));
  // An error quoting a UDP datagram the CLAT sent from port 61001; or one the host sent.
  for (uint16_t sport : {61001, 40000}) {
    pb6::Bytes quoted = pb6::ipv6({.src = "2001:db8:7::100"}, 17, pb6::udp(sport, 53, pb6::pattern(8)));
    pb6::Bytes err = {1, 4, 0, 0, 0, 0, 0, 0};
    err.insert(err.end(), quoted.begin(), quoted.end());
    EXPECT_EQ(shared_owns(pb6::ipv6({}, 58, err), r), sport == 61001);
  }
  // A reassembled datagram keeps an atomic Fragment Header; a fragment itself is not judged.
  pb6::Bytes atomic = {17, 0, 0, 0, 0, 0, 0, 7};
  const pb6::Bytes u = pb6::udp(53, 61002, pb6::pattern(8));
  atomic.insert(atomic.end(), u.begin(), u.end());
  EXPECT_TRUE(shared_owns(pb6::ipv6({}, 44, atomic), r));
  atomic[3] = 1;  // M flag: a first fragment
  EXPECT_FALSE(shared_owns(pb6::ipv6({}, 44, atomic), r));
}

TEST(ClatPortMap, MapperMovesPortsBothWays) {
  PortMap ports({61000, 4536});
  Mapping m{Ipv4Addr::parse("192.0.0.1").value(), Ipv6Addr::parse("2001:db8:7::100").value(),
            Ipv6Prefix::parse("2001:db8:64::/96").value(), &ports};
  ClatMapper mapper(m);
  xlat::Flow6 f6;
  ASSERT_EQ(mapper.map_4to6({m.ipv4, Ipv4Addr::parse("198.51.100.2").value(), 6, 40000, 80}, xlat::Part::Outer, f6),
            xlat::MapStatus::Ok);
  EXPECT_EQ(f6.src, m.ipv6);
  EXPECT_TRUE(ports.range().contains(f6.sport));
  EXPECT_EQ(f6.dport, 80);
  xlat::Flow4 f4;
  ASSERT_EQ(mapper.map_6to4({f6.dst, m.ipv6, 6, 80, f6.sport}, xlat::Part::Outer, f4), xlat::MapStatus::Ok);
  EXPECT_EQ(f4.dport, 40000);
  // ICMP echo: the identifier in both fields.
  ASSERT_EQ(mapper.map_4to6({m.ipv4, Ipv4Addr::parse("198.51.100.2").value(), 1, 7, 7}, xlat::Part::Outer, f6),
            xlat::MapStatus::Ok);
  EXPECT_EQ(f6.sport, f6.dport);
  ASSERT_EQ(mapper.map_6to4({f6.dst, m.ipv6, 58, f6.sport, f6.sport}, xlat::Part::Outer, f4), xlat::MapStatus::Ok);
  EXPECT_EQ(f4.sport, 7);
  EXPECT_EQ(f4.dport, 7);
  // A port of the range nobody mapped: dropped without an error back.
  EXPECT_EQ(mapper.map_6to4({f6.dst, m.ipv6, 17, 53, 65000}, xlat::Part::Outer, f4),
            xlat::MapStatus::SrcUntranslatable);
}

TEST(ClatPortMap, NftablesScriptReplacesAStaleTable) {
  const std::string s = nft_shared_apply("clat0", Ipv6Addr::parse("2001:db8:7::100").value(), {61000, 4536});
  EXPECT_NE(s.find("add table inet sixfour_clat0\ndelete table inet sixfour_clat0\n"), std::string::npos);
  EXPECT_NE(s.find("type filter hook prerouting priority raw"), std::string::npos);
  EXPECT_NE(s.find("ip6 daddr 2001:db8:7::100 tcp dport 61000-65535 drop"), std::string::npos);
  EXPECT_NE(s.find("ip6 daddr 2001:db8:7::100 udp dport 61000-65535 drop"), std::string::npos);
  EXPECT_EQ(nft_shared_delete("wl-clat.1"), "delete table inet sixfour_wl_clat_1\n");
}

TEST(ClatReservedPorts, ListTextRoundTrips) {
  const auto p = io::parse_port_list("8080,61000-65535,22");
  EXPECT_TRUE(p.test(22));
  EXPECT_TRUE(p.test(8080));
  EXPECT_TRUE(p.test(61000));
  EXPECT_TRUE(p.test(65535));
  EXPECT_FALSE(p.test(60999));
  EXPECT_EQ(io::format_port_list(p), "22,8080,61000-65535");
  EXPECT_EQ(io::format_port_list(io::parse_port_list("")), "");
}
