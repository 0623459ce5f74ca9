// xlat/udp_coalescer: translated UDP datagrams of one flow written as one UDP GSO super-packet.
// Datagrams are built byte by byte with checksums from the naive RFC 1071 sum of packet_builder6.hpp. The
// round-trip tests hand the train to offload::segment(), which splits a GSO packet exactly as the
// kernel's __udp_gso_segment does, and expect the original datagrams back, byte for byte.
#include "xlat/udp_coalescer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "packet_builder6.hpp"

namespace off = sixfour::xlat::offload;
using off::UdpCoalescer;
using Offer = UdpCoalescer::Offer;

namespace {

using pb6::Bytes;
using pb6::fold;
using pb6::naive_sum;
using pb6::rd16;
using pb6::wr16;

struct Flow {
  uint8_t version = 4;
  uint16_t sport = 40000, dport = 5201;
  uint8_t ttl = 63;
  uint8_t tos = 0;
  bool df = false;
};

// 198.51.100.5 -> 192.0.2.1, or 2001:db8:1::5 -> 64:ff9b::c000:201.
Bytes datagram(const Flow& f, uint16_t id, size_t payload_len, uint8_t seed) {
  Bytes udp(8 + payload_len);
  wr16(udp, 0, f.sport);
  wr16(udp, 2, f.dport);
  wr16(udp, 4, static_cast<uint16_t>(udp.size()));
  for (size_t i = 0; i < payload_len; ++i) udp[8 + i] = static_cast<uint8_t>(seed + i * 13);
  Bytes ip;
  uint32_t pseudo;
  if (f.version == 4) {
    ip = {0x45, f.tos, 0, 0, 0, 0, 0, 0, f.ttl, 17, 0, 0, 198, 51, 100, 5, 192, 0, 2, 1};
    wr16(ip, 2, static_cast<uint16_t>(20 + udp.size()));
    wr16(ip, 4, id);
    wr16(ip, 6, f.df ? 0x4000 : 0);
    wr16(ip, 10, static_cast<uint16_t>(~fold(naive_sum(ip.data(), 20))));
    pseudo = naive_sum(ip.data() + 12, 8) + 17 + static_cast<uint32_t>(udp.size());
  } else {
    ip = Bytes(40, 0);
    ip[0] = static_cast<uint8_t>(0x60 | f.tos >> 4);
    ip[1] = static_cast<uint8_t>(f.tos << 4 | 0x0a);
    ip[2] = 0xbc;
    ip[3] = 0xde;
    wr16(ip, 4, static_cast<uint16_t>(udp.size()));
    ip[6] = 17;
    ip[7] = f.ttl;
    const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    const uint8_t dst[16] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1};
    std::memcpy(ip.data() + 8, src, 16);
    std::memcpy(ip.data() + 24, dst, 16);
    pseudo = naive_sum(ip.data() + 8, 32) + 17 + static_cast<uint32_t>(udp.size());
  }
  uint16_t c = static_cast<uint16_t>(~fold(naive_sum(udp.data(), udp.size(), pseudo)));
  wr16(udp, 6, c == 0 ? 0xffff : c);
  ip.insert(ip.end(), udp.begin(), udp.end());
  return ip;
}

// The train split back the way the kernel splits it (offload::segment mirrors __udp_gso_segment).
std::vector<Bytes> resegment(std::span<const uint8_t> train, const off::VnetHdr& h) {
  Bytes out(70000);
  std::array<uint16_t, 128> lens{};
  const size_t n = off::segment(train, h, out, lens);
  std::vector<Bytes> segs;
  size_t at = 0;
  for (size_t k = 0; k < n; ++k) {
    segs.emplace_back(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + lens[k]));
    at += lens[k];
  }
  return segs;
}

void round_trip(const Flow& f, const std::vector<size_t>& sizes) {
  UdpCoalescer c;
  std::vector<Bytes> sent;
  for (size_t i = 0; i < sizes.size(); ++i) {
    sent.push_back(datagram(f, static_cast<uint16_t>(0x1234 + i), sizes[i], static_cast<uint8_t>(i)));
    ASSERT_EQ(c.offer(sent.back()), Offer::Joined) << "datagram " << i;
  }
  ASSERT_EQ(c.count(), sizes.size());
  off::VnetHdr h;
  const auto train = c.finish(h);
  EXPECT_EQ(c.count(), 0u);
  const size_t l4 = f.version == 4 ? 20 : 40;
  size_t total = l4 + 8;
  for (size_t s : sizes) total += s;
  ASSERT_EQ(train.size(), total);
  const Bytes t(train.begin(), train.end());
  // The virtio-net header: UDP_L4, NEEDS_CSUM, segments of the first payload's size.
  EXPECT_EQ(h.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(h.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(h.gso_size, sizes[0]);
  EXPECT_EQ(h.hdr_len, l4 + 8);
  EXPECT_EQ(h.csum_start, l4);
  EXPECT_EQ(h.csum_offset, 6);
  // IP and UDP lengths cover the whole train; the UDP checksum field is the pseudo-header sum.
  uint32_t pseudo;
  if (f.version == 4) {
    EXPECT_EQ(rd16(t, 2), total);
    EXPECT_EQ(rd16(t, 4), 0x1234);  // the first datagram's Identification
    EXPECT_EQ(fold(naive_sum(t.data(), 20)), 0xffff) << "IPv4 header checksum";
    pseudo = naive_sum(t.data() + 12, 8) + 17 + static_cast<uint32_t>(total - 20);
  } else {
    EXPECT_EQ(rd16(t, 4), total - 40);
    pseudo = naive_sum(t.data() + 8, 32) + 17 + static_cast<uint32_t>(total - 40);
  }
  EXPECT_EQ(rd16(t, l4 + 4), total - l4);
  EXPECT_EQ(rd16(t, l4 + 6), fold(pseudo));
  // Split again: the very datagrams that were offered (IPv4 IDs count up from the first's).
  const auto segs = resegment(train, h);
  ASSERT_EQ(segs.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(segs[i], sent[i]) << "datagram " << i;
}

TEST(UdpCoalescer, Ipv4TrainRoundTrip) { round_trip(Flow{}, {18, 18, 18, 18, 18}); }
TEST(UdpCoalescer, Ipv4TrainWithShortLastRoundTrip) { round_trip(Flow{}, {1200, 1200, 1200, 77}); }
TEST(UdpCoalescer, Ipv6TrainRoundTrip) { round_trip(Flow{.version = 6, .tos = 0xb8}, {100, 100, 3}); }
TEST(UdpCoalescer, Ipv4DfTrainRoundTrip) { round_trip(Flow{.df = true}, {1400, 1400}); }

TEST(UdpCoalescer, OneDatagramLeavesUnchanged) {
  UdpCoalescer c;
  const Bytes d = datagram(Flow{}, 7, 64, 1);
  ASSERT_EQ(c.offer(d), Offer::Joined);
  off::VnetHdr h;
  h.gso_type = 99;
  const auto out = c.finish(h);
  EXPECT_EQ(Bytes(out.begin(), out.end()), d);
  EXPECT_EQ(h.gso_type, off::kGsoNone);
  EXPECT_EQ(h.flags, 0);
  EXPECT_EQ(h.gso_size, 0);
}

TEST(UdpCoalescer, ShortDatagramClosesTheTrain) {
  UdpCoalescer c;
  ASSERT_EQ(c.offer(datagram(Flow{}, 1, 50, 0)), Offer::Joined);
  EXPECT_FALSE(c.closed());
  ASSERT_EQ(c.offer(datagram(Flow{}, 2, 20, 0)), Offer::Joined);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.offer(datagram(Flow{}, 3, 20, 0)), Offer::NewTrain);
  EXPECT_EQ(c.count(), 2u);
}

TEST(UdpCoalescer, LargerDatagramDoesNotJoin) {
  UdpCoalescer c;
  ASSERT_EQ(c.offer(datagram(Flow{}, 1, 50, 0)), Offer::Joined);
  EXPECT_EQ(c.offer(datagram(Flow{}, 2, 51, 0)), Offer::NewTrain);
  EXPECT_EQ(c.count(), 1u);
}

TEST(UdpCoalescer, OtherFlowOrHeaderDoesNotJoin) {
  const Flow base;
  std::vector<Flow> others(6, base);
  others[0].sport = 40001;
  others[1].dport = 53;
  others[2].ttl = 62;
  others[3].tos = 0x20;
  others[4].df = true;
  others[5].version = 6;
  for (size_t i = 0; i < others.size(); ++i) {
    UdpCoalescer c;
    ASSERT_EQ(c.offer(datagram(base, 1, 40, 0)), Offer::Joined);
    EXPECT_EQ(c.offer(datagram(others[i], 2, 40, 0)), Offer::NewTrain) << "variant " << i;
    EXPECT_EQ(c.count(), 1u);
  }
  // Other addresses.
  UdpCoalescer c;
  ASSERT_EQ(c.offer(datagram(base, 1, 40, 0)), Offer::Joined);
  Bytes d = datagram(base, 2, 40, 0);
  d[19] = 2;  // 192.0.2.2
  wr16(d, 10, 0);
  wr16(d, 10, static_cast<uint16_t>(~fold(naive_sum(d.data(), 20))));
  wr16(d, 26, 0);
  const uint32_t pseudo = naive_sum(d.data() + 12, 8) + 17 + 48;
  wr16(d, 26, static_cast<uint16_t>(~fold(naive_sum(d.data() + 20, 48, pseudo))));
  EXPECT_EQ(c.offer(d), Offer::NewTrain);
}

TEST(UdpCoalescer, WhatNeverJoins) {
  const Bytes good = datagram(Flow{}, 1, 40, 0);
  std::vector<std::pair<const char*, Bytes>> bad;
  Bytes b = good;
  b[27] ^= 1;  // checksum wrong
  bad.emplace_back("wrong checksum", b);
  b = good;
  wr16(b, 26, 0);
  bad.emplace_back("IPv4 without checksum", b);
  b = good;
  wr16(b, 6, 0x2000);  // MF
  bad.emplace_back("first fragment", b);
  b = good;
  wr16(b, 6, 0x0010);
  bad.emplace_back("later fragment", b);
  b = good;
  b[9] = 6;
  bad.emplace_back("TCP", b);
  b = good;
  wr16(b, 24, 47);
  bad.emplace_back("UDP length short of the IP payload", b);
  b = good;
  b.push_back(0);
  bad.emplace_back("IP length short of the packet", b);
  b = datagram(Flow{}, 1, 0, 0);
  bad.emplace_back("empty payload", b);
  b = Bytes(good.begin(), good.begin() + 20);
  bad.emplace_back("no UDP header", b);
  b = good;
  b[0] = 0x46;
  bad.emplace_back("IPv4 options", b);
  Bytes v6 = datagram(Flow{.version = 6}, 0, 40, 0);
  v6[6] = 0;  // Hop-by-Hop Options header
  bad.emplace_back("IPv6 extension header", v6);
  for (const auto& [what, pkt] : bad) {
    UdpCoalescer c;
    EXPECT_EQ(c.offer(pkt), Offer::Alone) << what;
    EXPECT_EQ(c.count(), 0u) << what;
    // Nor after a good one.
    ASSERT_EQ(c.offer(good), Offer::Joined);
    EXPECT_EQ(c.offer(pkt), Offer::Alone) << what;
    EXPECT_EQ(c.count(), 1u) << what;
  }
}

TEST(UdpCoalescer, NewTrainRestartsWithThePacket) {
  UdpCoalescer c;
  ASSERT_EQ(c.offer(datagram(Flow{}, 1, 40, 0)), Offer::Joined);
  ASSERT_EQ(c.offer(datagram(Flow{}, 2, 40, 0)), Offer::Joined);
  const Bytes other = datagram(Flow{.version = 6}, 0, 30, 9);
  ASSERT_EQ(c.offer(other), Offer::NewTrain);
  EXPECT_EQ(c.count(), 2u);  // the refused packet is not in the train
  off::VnetHdr h;
  EXPECT_EQ(resegment(c.finish(h), h).size(), 2u);
  c.restart(other);
  EXPECT_EQ(c.count(), 1u);
  // The new train follows the restarted packet's flow and size.
  ASSERT_EQ(c.offer(datagram(Flow{.version = 6}, 0, 30, 10)), Offer::Joined);
  EXPECT_EQ(c.offer(datagram(Flow{}, 3, 30, 0)), Offer::NewTrain);
  const auto train = c.finish(h);
  EXPECT_EQ(h.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(h.gso_size, 30);
  const auto segs = resegment(train, h);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0], other);
  EXPECT_EQ(segs[1], datagram(Flow{.version = 6}, 0, 30, 10));
}

TEST(UdpCoalescer, SegmentLimit) {
  UdpCoalescer c;
  for (size_t i = 0; i < UdpCoalescer::kMaxSegments; ++i) {
    EXPECT_FALSE(c.closed());
    ASSERT_EQ(c.offer(datagram(Flow{}, static_cast<uint16_t>(i), 64, 0)), Offer::Joined);
  }
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.offer(datagram(Flow{}, 99, 64, 0)), Offer::NewTrain);
  off::VnetHdr h;
  EXPECT_EQ(resegment(c.finish(h), h).size(), UdpCoalescer::kMaxSegments);
  // Empty again: a new train starts.
  EXPECT_EQ(c.offer(datagram(Flow{}, 100, 64, 0)), Offer::Joined);
}

TEST(UdpCoalescer, ByteLimit) {
  // 20 + 8 + 46 * 1400 = 64 428 bytes; a 47th full datagram would pass 65 535.
  UdpCoalescer c;
  for (size_t i = 0; i < 46; ++i)
    ASSERT_EQ(c.offer(datagram(Flow{}, static_cast<uint16_t>(i), 1400, 0)), Offer::Joined);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.offer(datagram(Flow{}, 46, 1400, 0)), Offer::NewTrain);
  off::VnetHdr h;
  const auto train = c.finish(h);
  EXPECT_EQ(train.size(), 20u + 8 + 46 * 1400);
  EXPECT_EQ(resegment(train, h).size(), 46u);
}

}  // namespace
