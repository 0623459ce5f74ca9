// The data plane's packet path and writer (io/dataplane/packet_path.hpp), driven through a fake TUN
// queue (fake_tun_queue.hpp) with the SIIT translator (pool6 2001:db8:64::/96) as the worker: what
// is written for each kind of packet read (virtio-net header and bytes), the UDP trains, and the
// fallback when the kernel refuses a UDP GSO write.
#include <gtest/gtest.h>

#include "addr/rfc6052.hpp"
#include "common/checksum.hpp"
#include "fake_tun_queue.hpp"
#include "io/dataplane/packet_path.hpp"
#include "packet_builder.hpp"
#include "packet_builder6.hpp"
#include "siit/translator.hpp"

namespace {

namespace off = sixfour::xlat::offload;
using faketun::Bytes;
using faketun::FakeTunQueue;
using sixfour::io::IoCounters;
using sixfour::io::PacketPath;
using sixfour::io::Writer;
using sixfour::xlat::Outcome;

// Both sides under pool6: 198.51.100.7 = 2001:db8:64::c633:6407, 203.0.113.9 = 2001:db8:64::cb00:7109.
const v4to6test::A4 kPeer4{203, 0, 113, 9};
const v4to6test::A4 kHost4{198, 51, 100, 7};
constexpr const char* kHost6 = "2001:db8:64::c633:6407";
constexpr const char* kPeer6 = "2001:db8:64::cb00:7109";

sixfour::siit::Settings settings(const sixfour::xlat::Config& cfg) {
  sixfour::siit::Settings s;
  s.pool6 = sixfour::rfc6052::parse_prefix("2001:db8:64::/96").value();
  s.xlat = cfg;
  return s;
}

class SiitWorker final : public sixfour::io::DataPlaneWorker {
 public:
  explicit SiitWorker(const sixfour::siit::Settings& s) : xl(s) {}
  void translate(std::span<const uint8_t> in, sixfour::xlat::Output& out) override { xl.translate(in, out); }
  void publish() override {}
  sixfour::siit::Translator xl;
};

// A worker, a fake queue, the writer and the packet path over them.
struct Plane {
  explicit Plane(bool vnet = true, bool uso = false, sixfour::xlat::Config cfg = {})
      : s(settings(cfg)), worker(s), q(vnet), writer(q, vnet, uso, io, 0), path(worker, s.xlat, vnet, writer, io) {}

  // What the translator makes of `in` on its own (a fresh translator, no data plane).
  std::vector<Bytes> reference(const Bytes& in) const {
    sixfour::siit::Translator xl(s);
    Bytes storage(in.size() + 8192);
    sixfour::xlat::Output out;
    out.data = storage;
    xl.translate(in, out);
    std::vector<Bytes> pkts;
    if (out.outcome == Outcome::Forward || out.outcome == Outcome::Reply)
      for (size_t i = 0; i < out.count; ++i) pkts.emplace_back(out.packet(i).begin(), out.packet(i).end());
    return pkts;
  }

  int batch() { return path.read_batch(q); }

  sixfour::siit::Settings s;
  SiitWorker worker;
  FakeTunQueue q;
  IoCounters io;
  Writer writer;
  PacketPath path;
};

Bytes udp4(size_t payload, uint8_t seed = 0, bool df = true) {
  return v4to6test::ipv4(17, kPeer4, kHost4,
                         v4to6test::udp(kPeer4, kHost4, 53, 40000, v4to6test::pattern(payload, seed)), {.df = df});
}

// An IPv6 TCP packet of `total` bytes with the partial checksum a NEEDS_CSUM sender leaves.
Bytes tcp6_partial(size_t total) {
  Bytes p = pb6::ipv6({.src = kHost6, .dst = kPeer6}, 6, pb6::tcp(40000, 443, pb6::pattern(total - 60)));
  const uint32_t s =
      sixfour::checksum::pseudo_header6(p.data() + 8, p.data() + 24, 6, static_cast<uint32_t>(total - 40));
  pb6::wr16(p, 56, sixfour::checksum::fold(s));
  return p;
}

off::VnetHdr tcp6_gso(uint16_t gso_size) {
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.gso_type = off::kGsoTcpV6;
  h.gso_size = gso_size;
  h.hdr_len = 60;
  h.csum_start = 40;
  h.csum_offset = 16;
  return h;
}

bool zero(const off::VnetHdr& h) {
  return h.flags == 0 && h.gso_type == 0 && h.hdr_len == 0 && h.gso_size == 0 && h.csum_start == 0 &&
         h.csum_offset == 0;
}

}  // namespace

TEST(DataPlane, PlainPacketIsTranslatedAndWrittenWithAZeroHeader) {
  Plane p;
  const Bytes in = udp4(200);
  p.q.push(in);
  EXPECT_EQ(p.batch(), 1);
  ASSERT_EQ(p.q.written.size(), 1u);
  EXPECT_TRUE(zero(p.q.written[0].hdr));
  EXPECT_EQ(p.q.written[0].pkt, p.reference(in).at(0));
  EXPECT_EQ(p.q.written[0].pkt[0] >> 4, 6);
  EXPECT_EQ(p.io.write_errors, 0u);
  EXPECT_EQ(p.worker.xl.counters().out6, 1u);
}

TEST(DataPlane, WithoutVnetHeaderThePacketIsWrittenAlone) {
  Plane p(/*vnet=*/false);
  const Bytes in = udp4(200);
  p.q.push(in);
  p.batch();
  ASSERT_EQ(p.q.written.size(), 1u);
  EXPECT_EQ(p.q.written[0].pkt, p.reference(in).at(0));
}

TEST(DataPlane, TcpSuperPacketIsTranslatedWholeWithItsHeader) {
  Plane p;
  const Bytes in = tcp6_partial(60000);
  p.q.push(in, tcp6_gso(1440));
  p.batch();
  ASSERT_EQ(p.q.written.size(), 1u);
  const faketun::Written& w = p.q.written[0];
  EXPECT_TRUE(w.vectored);  // headers from the output buffer, payload from the read buffer
  EXPECT_EQ(w.hdr.gso_type, off::kGsoTcpV4);
  EXPECT_EQ(w.hdr.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(w.hdr.gso_size, 1440);
  EXPECT_EQ(w.hdr.hdr_len, 40);
  EXPECT_EQ(w.hdr.csum_start, 20);
  EXPECT_EQ(w.hdr.csum_offset, 16);
  ASSERT_EQ(w.pkt.size(), 60000u - 20);
  EXPECT_EQ(pb6::rd16(w.pkt, 2), 59980);
  EXPECT_EQ(pb6::rd16(w.pkt, 6), 0x4000);  // DF
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(w.pkt));
  EXPECT_TRUE(std::equal(w.pkt.begin() + 40, w.pkt.end(), in.begin() + 60));  // payload untouched
  Bytes done = w.pkt;
  ASSERT_TRUE(off::finish_checksum(done, w.hdr));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(done));
  EXPECT_EQ(p.io.super_packets, 1u);
  EXPECT_EQ(p.io.segmented, 0u);
  EXPECT_EQ(p.io.write_errors, 0u);
}

TEST(DataPlane, SuperPacketThatCannotGoWholeIsSegmentedFirst) {
  // 1000-byte segments translate to 1040-byte IPv4 packets, which RFC 7915 §5.1 sends with DF=0:
  // not something one super-packet can carry, so each segment is translated on its own.
  Plane p;
  const Bytes in = tcp6_partial(60000);
  p.q.push(in, tcp6_gso(1000));
  p.batch();
  const size_t n = (60000 - 60 + 999) / 1000;
  ASSERT_EQ(p.q.written.size(), n);
  EXPECT_EQ(p.io.segmented, 1u);
  EXPECT_EQ(p.io.segments, n);
  EXPECT_EQ(p.io.super_packets, 0u);
  Bytes payload;
  for (const auto& w : p.q.written) {
    EXPECT_TRUE(zero(w.hdr));
    ASSERT_GE(w.pkt.size(), 40u);
    EXPECT_EQ(w.pkt[0], 0x45);
    EXPECT_EQ(pb6::rd16(w.pkt, 2), w.pkt.size());
    EXPECT_TRUE(pb6::ipv4_header_checksum_ok(w.pkt));
    EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(w.pkt));
    payload.insert(payload.end(), w.pkt.begin() + 40, w.pkt.end());
  }
  EXPECT_EQ(p.q.written.front().pkt.size(), 1040u);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), in.begin() + 60, in.end()));
  EXPECT_EQ(payload.size(), in.size() - 60);
}

TEST(DataPlane, PartialChecksumIsFinishedBeforeTranslating) {
  Plane p;
  const Bytes full = udp4(300, 9);
  Bytes partial = full;
  const uint32_t s = sixfour::checksum::pseudo_header4(partial.data() + 12, partial.data() + 16, 17, 308);
  pb6::wr16(partial, 26, sixfour::checksum::fold(s));
  ASSERT_NE(partial, full);
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.csum_start = 20;
  h.csum_offset = 6;
  p.q.push(partial, h);
  p.batch();
  ASSERT_EQ(p.q.written.size(), 1u);
  EXPECT_TRUE(zero(p.q.written[0].hdr));
  EXPECT_EQ(p.q.written[0].pkt, p.reference(full).at(0));
  EXPECT_EQ(p.io.csum_finished, 1u);
}

TEST(DataPlane, MalformedVnetHeaderIsCountedAndNothingWritten) {
  Plane p;
  p.q.push_raw({0, 0, 0, 0});           // shorter than a virtio-net header
  off::VnetHdr wrong = tcp6_gso(1000);  // TCPv6 GSO on an IPv4 UDP packet
  p.q.push(udp4(3000), wrong);
  EXPECT_EQ(p.batch(), 2);
  EXPECT_TRUE(p.q.written.empty());
  EXPECT_EQ(p.io.offload_malformed, 2u);
}

TEST(DataPlane, HeldPacketWritesNothing) {
  struct Holder final : sixfour::io::DataPlaneWorker {
    void translate(std::span<const uint8_t>, sixfour::xlat::Output& out) override {
      out.outcome = Outcome::Held;  // even with something left in out
      out.count = 1;
      out.lens[0] = 40;
    }
    void publish() override {}
  } holder;
  FakeTunQueue q(true);
  IoCounters io;
  Writer writer(q, true, false, io, 0);
  sixfour::xlat::Config cfg;
  PacketPath path(holder, cfg, true, writer, io);
  q.push(udp4(100));
  q.push(tcp6_partial(60000), tcp6_gso(1440));  // the super-packet path too
  EXPECT_EQ(path.read_batch(q), 2);
  EXPECT_TRUE(q.written.empty());
  EXPECT_EQ(io.offload_malformed, 0u);
  EXPECT_EQ(io.write_errors, 0u);
}

TEST(DataPlane, UdpDatagramsOfOneFlowLeaveAsOneTrain) {
  Plane p(true, /*uso=*/true);
  std::vector<Bytes> expected;
  for (int i = 0; i < 5; ++i) {
    const Bytes in = udp4(1000, static_cast<uint8_t>(i));
    expected.push_back(p.reference(in).at(0));
    p.q.push(in);
  }
  p.batch();
  ASSERT_EQ(p.q.written.size(), 1u);
  const faketun::Written& w = p.q.written[0];
  EXPECT_EQ(w.hdr.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(w.hdr.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(w.hdr.gso_size, 1000);
  EXPECT_EQ(w.hdr.hdr_len, 48);
  EXPECT_EQ(w.hdr.csum_start, 40);
  EXPECT_EQ(w.hdr.csum_offset, 6);
  EXPECT_EQ(w.pkt.size(), 48u + 5 * 1000);
  EXPECT_EQ(p.io.udp_trains, 1u);
  EXPECT_EQ(p.io.udp_coalesced, 5u);
  // Cut where the kernel would cut it, the train gives back the five translations.
  Bytes segs(8 * 1024);
  std::vector<uint16_t> lens(8);
  ASSERT_EQ(off::segment(w.pkt, w.hdr, segs, lens), 5u);
  size_t at = 0;
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(Bytes(segs.begin() + static_cast<long>(at), segs.begin() + static_cast<long>(at + lens[k])), expected[k]);
    at += lens[k];
  }
}

TEST(DataPlane, RefusedUdpTrainIsSentDatagramByDatagram) {
  Plane p(true, /*uso=*/true);
  p.q.refuse_udp_gso();  // a kernel without USO that accepted the offload anyway
  std::vector<Bytes> expected;
  for (int i = 0; i < 8; ++i) {
    const Bytes in = udp4(1000, static_cast<uint8_t>(i));
    expected.push_back(p.reference(in).at(0));
    if (i < 5) p.q.push(in);
  }
  p.batch();
  ASSERT_EQ(p.q.refused.size(), 1u);  // the train
  EXPECT_EQ(p.q.refused[0].hdr.gso_type, off::kGsoUdpL4);
  EXPECT_FALSE(p.writer.coalescing());
  // Later datagrams are not even offered as a train.
  for (int i = 5; i < 8; ++i) p.q.push(udp4(1000, static_cast<uint8_t>(i)));
  p.batch();
  EXPECT_EQ(p.q.refused.size(), 1u);
  ASSERT_EQ(p.q.written.size(), 8u);  // nothing lost, in order, intact
  for (size_t k = 0; k < 8; ++k) {
    EXPECT_TRUE(zero(p.q.written[k].hdr)) << k;
    EXPECT_EQ(p.q.written[k].pkt, expected[k]) << k;
  }
  EXPECT_EQ(p.io.write_errors, 0u);
  EXPECT_EQ(p.io.udp_trains, 0u);
  EXPECT_EQ(p.io.udp_coalesced, 0u);
}

TEST(DataPlane, OtherWriteErrorsAreCounted) {
  Plane p(true, true);
  p.q.refuse = [](const faketun::Written&) { return EIO; };
  for (int i = 0; i < 3; ++i) p.q.push(udp4(1000, static_cast<uint8_t>(i)));
  p.q.push(udp4(100));  // a shorter one: the train's last
  p.q.push(v4to6test::ipv4(6, kPeer4, kHost4, v4to6test::tcp(kPeer4, kHost4, 443, 40000, v4to6test::pattern(50))));
  p.batch();
  EXPECT_TRUE(p.q.written.empty());
  EXPECT_EQ(p.q.refused.size(), 2u);
  EXPECT_TRUE(p.writer.coalescing());  // only EINVAL turns it off
  EXPECT_EQ(p.io.write_errors, 2u);    // the train, and the TCP packet written on its own
}

TEST(DataPlane, TrainGoesOutBeforeTheSuperPacketReadAfterIt) {
  Plane p(true, true);
  for (int i = 0; i < 3; ++i) p.q.push(udp4(1000, static_cast<uint8_t>(i)));
  p.q.push(tcp6_partial(30000), tcp6_gso(1440));
  p.batch();
  ASSERT_EQ(p.q.written.size(), 2u);
  EXPECT_EQ(p.q.written[0].hdr.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(p.q.written[1].hdr.gso_type, off::kGsoTcpV4);
}

// RFC 7915 §4 for a GSO super-packet with DF=0 (offload::classify sends it to Segment): each
// 1500-byte segment would be 1520 bytes of IPv6, over lowest-ipv6-mtu, so each leaves as IPv6
// fragments of at most 1280 bytes, exactly as the same segment read on its own would.
TEST(DataPlane, DfClearSuperPacketLeavesAsIpv6FragmentsOfEachSegment) {
  Plane p;
  Bytes in = v4to6test::ipv4(6, kPeer4, kHost4, v4to6test::tcp(kPeer4, kHost4, 443, 40000, v4to6test::pattern(4320)),
                             {.df = false});
  const uint32_t s =
      sixfour::checksum::pseudo_header4(in.data() + 12, in.data() + 16, 6, static_cast<uint32_t>(in.size() - 20));
  pb6::wr16(in, 36, sixfour::checksum::fold(s));
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.gso_type = off::kGsoTcpV4;
  h.gso_size = 1440;
  h.hdr_len = 40;
  h.csum_start = 20;
  h.csum_offset = 16;
  ASSERT_EQ(off::classify(in, h, p.s.xlat), off::Path::Segment);
  p.q.push(in, h);
  p.batch();
  EXPECT_EQ(p.io.segmented, 1u);
  EXPECT_EQ(p.io.segments, 3u);
  ASSERT_EQ(p.q.written.size(), 6u);  // three segments, two fragments each
  Bytes data;
  for (size_t i = 0; i < p.q.written.size(); ++i) {
    const Bytes& w = p.q.written[i].pkt;
    EXPECT_TRUE(zero(p.q.written[i].hdr));
    EXPECT_LE(w.size(), 1280u) << i;
    ASSERT_EQ(w[0] >> 4, 6);
    ASSERT_EQ(w[6], 44) << "Fragment header in piece " << i;
    const bool first = (pb6::rd16(w, 42) & 0xfff8) == 0;
    EXPECT_EQ(first, i % 2 == 0);
    data.insert(data.end(), w.begin() + 48 + (first ? 20 : 0), w.end());  // past the TCP header
  }
  EXPECT_EQ(p.q.written[0].pkt.size(), 1280u);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), in.begin() + 40, in.end()));
  EXPECT_EQ(data.size(), 4320u);
}
