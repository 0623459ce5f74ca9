// The CLAT's two loops (io/clat/data_path.hpp) on fakes: the host's IPv4 from the TUN leaves as
// ordinary IPv6 packets for the raw socket (super-packets segmented, hop limit kept), ICMPv4 errors
// go back into the TUN, incoming IPv6 from the PLAT is written to the TUN, neighbour discovery is
// handed over untranslated, and Packet Too Big from the path to the PLAT is noted.
#include "io/clat/data_path.hpp"

#include <gtest/gtest.h>

#include "addr/rfc6052.hpp"
#include "common/checksum.hpp"
#include "fake_tun_queue.hpp"
#include "packet_builder.hpp"
#include "packet_builder6.hpp"

namespace {

namespace off = sixfour::xlat::offload;
using faketun::Bytes;
using faketun::FakeTunQueue;
using sixfour::Ipv4Addr;
using sixfour::Ipv6Addr;
using sixfour::Ipv6Prefix;
using namespace sixfour::io;

const v4to6test::A4 kHost{192, 0, 0, 1};
const v4to6test::A4 kPeer{203, 0, 113, 9};
constexpr const char* kClat6 = "2001:db8:1:2::c1a7";
constexpr const char* kPeer6 = "2001:db8:64::cb00:7109";

sixfour::clat::Mapping mapping(const char* plat = "2001:db8:64::/96") {
  return {Ipv4Addr::parse("192.0.0.1").value(), Ipv6Addr::parse(kClat6).value(), Ipv6Prefix::parse(plat).value()};
}

sixfour::xlat::Config clat_cfg(const sixfour::clat::Mapping& m) {
  sixfour::xlat::Config c = sixfour::clat::xlat_config(m, 1472);  // IPv4 MTU: the uplink's - 28
  c.mtu6 = 1500;
  return c;
}

// Records what it sends, and how many send_all calls carried it; refuses all with `refuse`.
struct FakeOut final : Ipv6Out {
  bool send(std::span<const uint8_t> p) override {
    if (refuse) return false;
    sent.emplace_back(p.begin(), p.end());
    return true;
  }
  size_t send_all(std::span<const std::span<const uint8_t>> packets) override {
    ++batches;
    return Ipv6Out::send_all(packets);
  }
  std::vector<Bytes> sent;
  int batches = 0;
  bool refuse = false;
};

struct FakeNd final : NdHandler {
  void handle(std::span<const uint8_t> p) override { seen.emplace_back(p.begin(), p.end()); }
  std::vector<Bytes> seen;
};

// One loop: `source` is what it reads (the TUN for "out", the uplink for "in"), `tun` where IPv4 goes.
// With `whole`, the out loop's TCP super-packets may go whole to `uplink` (the packet socket).
struct Loop {
  Loop(bool out, sixfour::clat::Mapping m = mapping(), bool whole = false)
      : cfg(clat_cfg(m)),
        worker(m, cfg, pub, &path_mtu),
        source(true),
        tun(true),
        uplink(true),
        queue(out ? static_cast<TunQueue&>(tun) : source, true, tun, true, out6, out ? nullptr : &nd,
              whole ? &uplink : nullptr, cfg.mtu6),
        writer(queue, true, false, io, 0),
        path(worker, cfg, true, writer, io) {}
  FakeTunQueue& input(bool out) { return out ? tun : source; }

  sixfour::xlat::Config cfg;
  PublishedCounters pub;
  std::atomic<uint32_t> path_mtu{0};
  ClatWorker worker;
  FakeTunQueue source, tun, uplink;
  FakeOut out6;
  FakeNd nd;
  SplitQueue queue;
  IoCounters io;
  Writer writer;
  PacketPath path;
};

bool l4_ok6(const Bytes& p) {
  const std::span<const uint8_t> s(p);
  return v4to6test::v6_l4_checksum_ok(s.subspan(8, 16), s.subspan(24, 16), p[6], s.subspan(40));
}

Bytes ipv6_dst(const Bytes& p) { return Bytes(p.begin() + 24, p.begin() + 40); }

// 10 segments of 1400 bytes from 192.0.0.1 to kPeer as the kernel hands a TSO4 packet to the TUN:
// the TCP checksum field holds the pseudo-header sum only (NEEDS_CSUM).
void push_tso4(FakeTunQueue& tun) {
  Bytes tcp = v4to6test::tcp(kHost, kPeer, 40000, 80, v4to6test::pattern(14000));
  Bytes pkt = v4to6test::ipv4(6, kHost, kPeer, tcp, {.ttl = 64, .df = true});
  const uint32_t ph =
      sixfour::checksum::pseudo_header4(pkt.data() + 12, pkt.data() + 16, 6, static_cast<uint16_t>(pkt.size() - 20));
  pb6::wr16(pkt, 36, sixfour::checksum::fold(ph));
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.gso_type = off::kGsoTcpV4;
  h.gso_size = 1400;
  h.hdr_len = 40;
  h.csum_start = 20;
  h.csum_offset = 16;
  tun.push(pkt, h);
}

void expect_ten_segments(const std::vector<Bytes>& sent) {
  ASSERT_EQ(sent.size(), 10u);
  const auto peer = pb6::a6(kPeer6);
  for (const Bytes& s : sent) {
    ASSERT_EQ(s.size(), 40u + 20 + 1400);
    EXPECT_EQ(s[0] >> 4, 6);
    EXPECT_EQ(s[7], 64);  // the host's hop limit: no router hop in the CLAT
    EXPECT_EQ(ipv6_dst(s), Bytes(peer.begin(), peer.end()));
    EXPECT_TRUE(l4_ok6(s));
  }
}

}  // namespace

TEST(ClatDataPath, HostTcpSuperPacketLeavesAsOrdinaryIpv6Segments) {
  Loop l(true);
  push_tso4(l.tun);
  l.path.read_batch(l.queue);
  expect_ten_segments(l.out6.sent);
  EXPECT_TRUE(l.tun.written.empty());
  EXPECT_EQ(l.worker.counters().in4, 1u);
}

TEST(ClatDataPath, HostTcpSuperPacketGoesWholeToTheUplinkSocket) {
  Loop l(true, mapping(), true);
  push_tso4(l.tun);
  l.path.read_batch(l.queue);
  EXPECT_TRUE(l.out6.sent.empty());
  EXPECT_TRUE(l.tun.written.empty());
  ASSERT_EQ(l.uplink.written.size(), 1u);
  const auto& w = l.uplink.written[0];
  EXPECT_EQ(w.hdr.gso_type & ~off::kGsoEcn, off::kGsoTcpV6);
  EXPECT_EQ(w.hdr.gso_size, 1400);
  EXPECT_TRUE(w.hdr.flags & off::kFlagNeedsCsum);
  EXPECT_EQ(w.hdr.csum_start, 40);  // from the IPv6 header, as the uplink socket expects
  ASSERT_EQ(w.pkt.size(), 40u + 20 + 14000);
  EXPECT_EQ(w.pkt[0] >> 4, 6);
  const auto peer = pb6::a6(kPeer6);
  EXPECT_EQ(ipv6_dst(w.pkt), Bytes(peer.begin(), peer.end()));
  EXPECT_EQ(l.queue.super6_sent(), 1u);
  // The kernel's segmentation of it gives the same packets the CLAT would have sent itself.
  Bytes segs(70000);
  std::vector<uint16_t> lens(64);
  const size_t n = off::segment(w.pkt, w.hdr, segs, lens);
  std::vector<Bytes> cut;
  for (size_t k = 0, o = 0; k < n; o += lens[k++]) cut.emplace_back(segs.begin() + o, segs.begin() + o + lens[k]);
  expect_ten_segments(cut);
}

TEST(ClatDataPath, SuperPacketTheUplinkRefusesIsSegmented) {
  Loop l(true, mapping(), true);
  l.uplink.refuse = [](const faketun::Written&) { return EHOSTUNREACH; };  // no next hop known yet
  push_tso4(l.tun);
  l.path.read_batch(l.queue);
  expect_ten_segments(l.out6.sent);
  EXPECT_EQ(l.uplink.refused.size(), 1u);
  EXPECT_EQ(l.queue.super6_refused(), 1u);
  EXPECT_EQ(l.io.write_errors, 0u);
}

TEST(ClatDataPath, SuperPacketWithSegmentsAboveTheUplinkMtuIsNotSentWhole) {
  Loop l(true, mapping(), true);
  push_tso4(l.tun);
  l.path.read_batch(l.queue);
  ASSERT_EQ(l.uplink.written.size(), 1u);
  Bytes again(off::kVnetHdrLen);
  off::store(l.uplink.written[0].hdr, again.data());
  again.insert(again.end(), l.uplink.written[0].pkt.begin(), l.uplink.written[0].pkt.end());
  // Segments of 40 + 20 + 1400 bytes on an uplink of 1459: the raw socket gets them, and refuses
  // them as it would (EMSGSIZE), rather than the kernel sending frames above the MTU.
  FakeTunQueue uplink(true);
  FakeOut out6;
  SplitQueue small(l.tun, true, l.tun, true, out6, nullptr, &uplink, 1459);
  EXPECT_EQ(small.write(again), static_cast<ssize_t>(again.size()));
  EXPECT_TRUE(uplink.written.empty());
  EXPECT_EQ(out6.sent.size(), 10u);
  EXPECT_EQ(small.super6_refused(), 0u);
}

TEST(ClatDataPath, UdpFromTheHostGoesToTheUplinkOnly) {
  Loop l(true);
  l.tun.push(v4to6test::ipv4(17, kHost, kPeer, v4to6test::udp(kHost, kPeer, 40000, 53, v4to6test::pattern(32))));
  l.path.read_batch(l.queue);
  ASSERT_EQ(l.out6.sent.size(), 1u);
  EXPECT_EQ(l.out6.sent[0][6], 17);
  EXPECT_TRUE(l4_ok6(l.out6.sent[0]));
  EXPECT_TRUE(l.tun.written.empty());
}

TEST(ClatDataPath, PacketsOfOneReadBatchLeaveTogetherInOrder) {
  Loop l(true);
  for (uint16_t port = 1000; port < 1005; ++port)
    l.tun.push(v4to6test::ipv4(17, kHost, kPeer, v4to6test::udp(kHost, kPeer, port, 53, v4to6test::pattern(32))));
  l.path.read_batch(l.queue);
  ASSERT_EQ(l.out6.sent.size(), 5u);
  EXPECT_EQ(l.out6.batches, 1);  // one sendmmsg for the batch, not one send per packet
  for (size_t k = 0; k < 5; ++k) EXPECT_EQ(pb6::rd16(l.out6.sent[k], 40), 1000 + k);
  EXPECT_EQ(l.queue.take_unsent(), 0u);
}

TEST(ClatDataPath, PacketsTheUplinkRefusesAreCounted) {
  Loop l(true);
  l.out6.refuse = true;
  for (uint16_t port = 1000; port < 1003; ++port)
    l.tun.push(v4to6test::ipv4(17, kHost, kPeer, v4to6test::udp(kHost, kPeer, port, 53, v4to6test::pattern(32))));
  l.path.read_batch(l.queue);
  l.queue.flush();
  EXPECT_TRUE(l.out6.sent.empty());
  EXPECT_EQ(l.queue.take_unsent(), 3u);
  EXPECT_EQ(l.queue.take_unsent(), 0u);
}

TEST(ClatDataPath, ErrorsForTheHostGoBackIntoTheTun) {
  Loop l(true, mapping("64:ff9b::/96"));
  const v4to6test::A4 lan{10, 0, 0, 1};  // non-global: not through the well-known prefix
  l.tun.push(v4to6test::ipv4(17, kHost, lan, v4to6test::udp(kHost, lan, 40000, 53, v4to6test::pattern(8))));
  l.path.read_batch(l.queue);
  EXPECT_TRUE(l.out6.sent.empty());
  ASSERT_EQ(l.tun.written.size(), 1u);
  const Bytes& e = l.tun.written[0].pkt;
  EXPECT_EQ(e[0] >> 4, 4);
  EXPECT_EQ(e[20], 3);  // Destination Unreachable
  EXPECT_EQ(Ipv4Addr({e[16], e[17], e[18], e[19]}), Ipv4Addr::parse("192.0.0.1").value());
}

TEST(ClatDataPath, IncomingIpv6IsWrittenToTheTunForTheHost) {
  Loop l(false);
  Bytes in = pb6::ipv6({.hlim = 60, .src = kPeer6, .dst = kClat6}, 17, pb6::udp(53, 40000, pb6::pattern(20)));
  pb6::fill_checksum6(in, 40, 17, 6);
  l.source.push(in);
  l.path.read_batch(l.queue);
  EXPECT_TRUE(l.out6.sent.empty());
  ASSERT_EQ(l.tun.written.size(), 1u);
  const Bytes& p = l.tun.written[0].pkt;
  EXPECT_EQ(p[0] >> 4, 4);
  EXPECT_EQ(p[8], 60);  // TTL = the hop limit it arrived with
  EXPECT_EQ(Ipv4Addr({p[12], p[13], p[14], p[15]}), Ipv4Addr::parse("203.0.113.9").value());
  EXPECT_EQ(Ipv4Addr({p[16], p[17], p[18], p[19]}), Ipv4Addr::parse("192.0.0.1").value());
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
}

TEST(ClatDataPath, NeighbourDiscoveryIsHandedOverNotTranslated) {
  Loop l(false);
  // A Neighbor Solicitation (type 135) for the CLAT's address from the router.
  Bytes icmp = {135, 0, 0, 0, 0, 0, 0, 0};
  const auto target = pb6::a6(kClat6);
  icmp.insert(icmp.end(), target.begin(), target.end());
  l.source.push(pb6::ipv6({.hlim = 255, .src = "fe80::1", .dst = "ff02::1:ff00:c1a7"}, 58, icmp));
  Bytes udp = pb6::ipv6({.src = kPeer6, .dst = kClat6}, 17, pb6::udp(53, 40000, pb6::pattern(8)));
  pb6::fill_checksum6(udp, 40, 17, 6);
  l.source.push(udp);
  l.path.read_batch(l.queue);
  ASSERT_EQ(l.nd.seen.size(), 1u);
  EXPECT_EQ(l.nd.seen[0][40], 135);
  EXPECT_EQ(l.queue.nd_seen(), 1u);
  EXPECT_EQ(l.worker.counters().in6, 1u);  // only the UDP datagram reached the translator
  EXPECT_EQ(l.tun.written.size(), 1u);
}

TEST(ClatDataPath, PacketTooBigFromThePathToThePlatIsNoted) {
  Loop l(false);
  auto ptb = [](const char* from, uint32_t mtu) {
    // Packet Too Big quoting a packet the CLAT sent.
    Bytes quoted = pb6::ipv6({.src = kClat6, .dst = kPeer6}, 17, pb6::udp(40000, 53, pb6::pattern(8)));
    Bytes icmp = {2,
                  0,
                  0,
                  0,
                  static_cast<uint8_t>(mtu >> 24),
                  static_cast<uint8_t>(mtu >> 16),
                  static_cast<uint8_t>(mtu >> 8),
                  static_cast<uint8_t>(mtu)};
    icmp.insert(icmp.end(), quoted.begin(), quoted.end());
    Bytes p = pb6::ipv6({.src = from, .dst = kClat6}, 58, icmp);
    pb6::fill_checksum6(p, 40, 58, 2);
    return p;
  };
  l.source.push(ptb(kPeer6, 1300));              // from the PLAT: one IPv4 destination only
  l.source.push(ptb("2001:db8:ffff::1", 1400));  // a router on the way to the PLAT
  l.source.push(ptb("2001:db8:ffff::2", 1450));  // a larger one does not raise it
  l.path.read_batch(l.queue);
  EXPECT_EQ(l.path_mtu.load(), 1400u);
}
