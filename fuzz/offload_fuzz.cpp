// The TUN offload path (xlat/offload.hpp) and the UDP coalescer (xlat/udp_coalescer.hpp). Input: a
// virtio-net header (struct virtio_net_hdr, kVnetHdrLen bytes, host byte order) and the packet it
// came with, as a TUN opened with IFF_VNET_HDR hands them over. The packet goes the way
// offload::classify() says, and what each step promises is checked:
//   FinishChecksum: finish_checksum() makes the L4 sum verify, the partial value it found standing
//     for the pseudo-header (for a checksum field at an even offset from csum_start), and only the
//     checksum field changing (never the IP header);
//   Segment and Super: segment() gives well-formed packets (fuzz/packet_checks.hpp) whose TCP/UDP
//     checksums verify, every payload gso_size long but the last, together the super-packet's;
//   Super: translated once by siit::Translator (Output::super_packet), after_translation() gives a
//     header for the packet's family, and the translated super-packet segments into as many packets
//     as the original (when that has few enough for segment()), each well formed and within the MTU of its family (what
//     classify() checked);
//   then the resulting datagrams (the segments, or the packet itself), twice over, go through one
//     UdpCoalescer as the data plane offers them; every train finish() returns segments back into
//     exactly the datagrams that joined it (IPv4: but for Identification and header checksum,
//     which the kernel renumbers).
#include <algorithm>
#include <cstring>
#include <vector>

#include "addr/rfc6052.hpp"
#include "packet_checks.hpp"
#include "siit/translator.hpp"
#include "xlat/offload.hpp"
#include "xlat/udp_coalescer.hpp"

using namespace sixfour;
namespace off = sixfour::xlat::offload;

namespace {

using Bytes = std::vector<uint8_t>;

const siit::Settings& settings() {
  static const siit::Settings s = [] {
    siit::Settings s;
    s.pool6 = rfc6052::parse_prefix("2001:db8:64::/96").value();
    (void)s.eam.add(EamTable::parse("2001:db8:a::/120=198.51.100.0/24").value());
    return s;
  }();
  return s;
}

// Where the L4 header starts and the packet ends by its own header, for a packet that
// segment() produced or accepted (IPv4 by IHL; IPv6 only without extension headers); 0 if unknown.
struct Shape {
  size_t l4_off = 0, end = 0, l4hdr = 0;
  uint8_t proto = 0;
};
Shape shape(std::span<const uint8_t> p) {
  Shape s;
  if (p.size() >= 20 && (p[0] >> 4) == 4) {
    s.l4_off = size_t{p[0] & 0x0fu} * 4;
    s.end = load16(&p[2]);
    s.proto = p[9];
  } else if (p.size() >= 40 && (p[0] >> 4) == 6 && (p[6] == 6 || p[6] == 17)) {
    s.l4_off = 40;
    s.end = 40 + size_t{load16(&p[4])};
    s.proto = p[6];
  }
  if (s.l4_off == 0 || s.end > p.size() || s.l4_off + 8 > s.end) return {};
  s.l4hdr = s.proto == 17 ? 8 : s.proto == 6 && s.l4_off + 20 <= s.end ? size_t{p[s.l4_off + 12]} / 16 * 4 : 0;
  if (s.l4hdr < 8 || s.l4_off + s.l4hdr > s.end) return {};
  return s;
}

bool l4_checksum_ok(std::span<const uint8_t> p, const Shape& s) {
  const auto len = static_cast<uint16_t>(s.end - s.l4_off);
  const uint32_t pseudo = (p[0] >> 4) == 4 ? checksum::pseudo_header4(&p[12], &p[16], s.proto, len)
                                           : checksum::pseudo_header6(&p[8], &p[24], s.proto, len);
  return checksum::finish(checksum::partial(p.subspan(s.l4_off, len), pseudo)) == 0;
}

// segment() of `pkt`, checked; the segments (none if segment() refused the packet).
std::vector<Bytes> segments(std::span<const uint8_t> pkt, const off::VnetHdr& h) {
  // Room for any segment() output that fits 128 packets, reused: a large allocation per input
  // would cost more than the work checked.
  static std::vector<uint8_t> out(128 * 65536);
  std::array<uint16_t, 128> lens{};
  const size_t n = off::segment(pkt, h, out, lens);
  std::vector<Bytes> segs;
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    segs.emplace_back(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + lens[i]));
    at += lens[i];
    fuzz::check_packet(segs.back());
  }
  const Shape in = shape(pkt);
  if (n == 0 || in.l4_off == 0 || (in.proto != 6 && in.proto != 17)) return segs;
  Bytes payload;
  for (size_t i = 0; i < n; ++i) {
    const Shape s = shape(segs[i]);
    SIXFOUR_FUZZ_CHECK(s.l4_off == in.l4_off && s.l4hdr == in.l4hdr && s.end == segs[i].size());
    SIXFOUR_FUZZ_CHECK(l4_checksum_ok(segs[i], s));
    const size_t len = s.end - s.l4_off - s.l4hdr;
    SIXFOUR_FUZZ_CHECK(i + 1 == n ? len <= h.gso_size : len == h.gso_size);
    payload.insert(payload.end(), segs[i].begin() + static_cast<long>(s.l4_off + s.l4hdr), segs[i].end());
  }
  SIXFOUR_FUZZ_CHECK(std::equal(payload.begin(), payload.end(), pkt.begin() + static_cast<long>(in.l4_off + in.l4hdr),
                                pkt.begin() + static_cast<long>(in.end)) &&
                     payload.size() == in.end - in.l4_off - in.l4hdr);
  return segs;
}

void finish_checksum(Bytes& pkt, const off::VnetHdr& h) {
  const size_t at = size_t{h.csum_start} + h.csum_offset;
  const uint16_t partial = at + 2 <= pkt.size() ? load16(&pkt[at]) : 0;
  // The end finish_checksum() sums to: the IP length when the header gives a sane one.
  size_t end = pkt.size();
  if ((pkt[0] >> 4) == 4 && pkt.size() >= 20 && load16(&pkt[2]) >= 20 && load16(&pkt[2]) <= pkt.size())
    end = load16(&pkt[2]);
  if ((pkt[0] >> 4) == 6 && pkt.size() >= 40 && load16(&pkt[4]) > 0 && 40 + size_t{load16(&pkt[4])} <= pkt.size())
    end = 40 + size_t{load16(&pkt[4])};
  const size_t ip_header = (pkt[0] >> 4) == 4 ? size_t{pkt[0] & 0x0fu} * 4 : (pkt[0] >> 4) == 6 ? 40 : 0;
  const Bytes before = pkt;
  if (!off::finish_checksum(pkt, h)) return;
  SIXFOUR_FUZZ_CHECK(at + 2 <= end);
  // Only the checksum field changed, never the IP header.
  SIXFOUR_FUZZ_CHECK(h.csum_start >= ip_header);
  for (size_t i = 0; i < pkt.size(); ++i) SIXFOUR_FUZZ_CHECK(pkt[i] == before[i] || i == at || i == at + 1);
  if (h.csum_offset % 2 != 0) return;
  const std::span<const uint8_t> summed = std::span<const uint8_t>(pkt).subspan(h.csum_start, end - h.csum_start);
  SIXFOUR_FUZZ_CHECK(checksum::fold(checksum::partial(summed, partial)) == 0xffff);
}

// The fast path: one translation, a header for the result, and segments within the MTU.
void super(std::span<const uint8_t> pkt, const off::VnetHdr& h, size_t segments_in) {
  static siit::Translator t(settings());  // stateless but for its counters
  static Bytes storage(2 * 65536 + 4096);
  xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  t.translate(pkt, out);
  fuzz::check_output(out);
  if (out.outcome != xlat::Outcome::Forward || out.count != 1) return;
  const std::span<uint8_t> p = out.packet(0);
  off::VnetHdr h2;
  if (!off::after_translation(h, p, h2)) return;
  if (h2.gso_type == off::kGsoNone) return;  // an ICMP error: an ordinary packet
  const unsigned v = p[0] >> 4;
  const uint8_t base = h2.gso_type & static_cast<uint8_t>(~off::kGsoEcn);
  SIXFOUR_FUZZ_CHECK(base == off::kGsoUdpL4 || base == (v == 4 ? off::kGsoTcpV4 : off::kGsoTcpV6));
  SIXFOUR_FUZZ_CHECK(h2.gso_size == h.gso_size && h2.flags == off::kFlagNeedsCsum && h2.hdr_len <= p.size());
  const std::vector<Bytes> segs = segments(p, h2);
  SIXFOUR_FUZZ_CHECK(segs.size() == segments_in || segments_in == 0);
  const size_t mtu = v == 4 ? settings().xlat.mtu4 : settings().xlat.mtu6;
  for (const Bytes& s : segs) SIXFOUR_FUZZ_CHECK(s.size() <= mtu);
}

// The IPv4 fields a coalesced train's segments may differ in from the datagrams that joined it.
Bytes normalized(Bytes p) {
  if ((p[0] >> 4) == 4) p[4] = p[5] = p[10] = p[11] = 0;
  return p;
}

void check_train(off::UdpCoalescer& c, const std::vector<Bytes>& joined) {
  if (c.count() == 0) return;
  SIXFOUR_FUZZ_CHECK(c.count() == joined.size() && c.count() <= off::UdpCoalescer::kMaxSegments);
  off::VnetHdr h;
  const std::span<uint8_t> train = c.finish(h);
  if (joined.size() == 1) {
    SIXFOUR_FUZZ_CHECK(h.gso_type == off::kGsoNone && h.flags == 0);
    SIXFOUR_FUZZ_CHECK(std::equal(train.begin(), train.end(), joined[0].begin(), joined[0].end()));
    return;
  }
  SIXFOUR_FUZZ_CHECK(h.gso_type == off::kGsoUdpL4 && h.flags == off::kFlagNeedsCsum && h.csum_offset == 6);
  fuzz::check_packet(train);
  const std::vector<Bytes> segs = segments(train, h);
  SIXFOUR_FUZZ_CHECK(segs.size() == joined.size());
  for (size_t i = 0; i < segs.size(); ++i) SIXFOUR_FUZZ_CHECK(normalized(segs[i]) == normalized(joined[i]));
}

void coalesce(const std::vector<Bytes>& datagrams) {
  static off::UdpCoalescer c;  // reused, emptied first: each input starts with no train
  c.clear();
  std::vector<Bytes> joined;
  for (int round = 0; round < 2; ++round)
    for (const Bytes& d : datagrams) switch (c.offer(d)) {
        case off::UdpCoalescer::Offer::Joined:
          joined.push_back(d);
          break;
        case off::UdpCoalescer::Offer::NewTrain:
          check_train(c, joined);
          c.restart(d);
          joined = {d};
          break;
        case off::UdpCoalescer::Offer::Alone:
          check_train(c, joined);
          joined.clear();
          break;
      }
  check_train(c, joined);
}

}  // namespace

SIXFOUR_FUZZ_TARGET(offload) {
  if (input.size() < off::kVnetHdrLen) return;
  const off::VnetHdr h = off::parse(input.data());
  Bytes pkt(input.begin() + off::kVnetHdrLen, input.end());
  std::vector<Bytes> datagrams;
  switch (off::classify(pkt, h, settings().xlat)) {
    case off::Path::Drop:
      return;
    case off::Path::FinishChecksum:
      finish_checksum(pkt, h);
      datagrams = {pkt};
      break;
    case off::Path::Plain:
      datagrams = {pkt};
      break;
    case off::Path::Segment:
      datagrams = segments(pkt, h);  // none: too many for segment()'s room (dropped as malformed)
      break;
    case off::Path::Super:
      datagrams = segments(pkt, h);
      super(pkt, h, datagrams.size());
      break;
  }
  coalesce(datagrams);
}
