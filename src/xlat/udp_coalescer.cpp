#include "xlat/udp_coalescer.hpp"

#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

namespace sixfour::xlat::offload {

namespace {

using namespace wire;

// The UDP datagram inside `pkt` if `pkt` is one that may take part in a train (see the header),
// else an empty span. `l4_off` is set to the IP header's size.
std::span<const uint8_t> joinable_udp(std::span<const uint8_t> pkt, size_t& l4_off) {
  if (pkt.size() < kIpv4Hdr + kUdpHdr + 1) return {};
  const uint8_t* p = pkt.data();
  uint32_t pseudo;
  if ((p[0] >> 4) == 4) {
    if (p[0] != 0x45 || p[9] != kUdp) return {};   // options, or not UDP
    if ((load16(p + 6) & 0x3fff) != 0) return {};  // MF or a fragment offset
    if (load16(p + 2) != pkt.size()) return {};
    l4_off = kIpv4Hdr;
    pseudo = checksum::pseudo_header4(p + 12, p + 16, kUdp, static_cast<uint16_t>(pkt.size() - kIpv4Hdr));
  } else if ((p[0] >> 4) == 6) {
    if (pkt.size() < kIpv6Hdr + kUdpHdr + 1 || p[6] != kUdp) return {};  // extension headers
    if (load16(p + 4) + kIpv6Hdr != pkt.size()) return {};
    l4_off = kIpv6Hdr;
    pseudo = checksum::pseudo_header6(p + 8, p + 24, kUdp, static_cast<uint32_t>(pkt.size() - kIpv6Hdr));
  } else {
    return {};
  }
  const std::span<const uint8_t> udp = pkt.subspan(l4_off);
  if (load16(udp.data() + 4) != udp.size()) return {};
  // No checksum (IPv4's 0) cannot be verified; a wrong one must reach the receiver as it is.
  if (load16(udp.data() + kUdpCsumOff) == 0) return {};
  if (checksum::fold(checksum::partial(udp, pseudo)) != 0xffff) return {};
  return udp;
}

// Whether the IP and UDP headers of `a` and `b` (same version, header size `l4_off`) agree on
// everything but lengths, Identification and checksums.
bool same_flow(const uint8_t* a, const uint8_t* b, size_t l4_off) {
  if (l4_off == kIpv4Hdr) {
    if (std::memcmp(a, b, 2) != 0) return false;            // version/IHL, TOS
    if (std::memcmp(a + 6, b + 6, 4) != 0) return false;    // flags/offset, TTL, protocol
    if (std::memcmp(a + 12, b + 12, 8) != 0) return false;  // addresses
  } else {
    if (std::memcmp(a, b, 4) != 0) return false;           // version, traffic class, flow label
    if (std::memcmp(a + 6, b + 6, 34) != 0) return false;  // next header, hop limit, addresses
  }
  return std::memcmp(a + l4_off, b + l4_off, 4) == 0;  // ports
}

}  // namespace

UdpCoalescer::UdpCoalescer() : buf_(kVnetHdrLen + kMaxBytes) {}

void UdpCoalescer::start(std::span<const uint8_t> pkt, size_t l4_off) {
  std::memcpy(buf_.data() + kVnetHdrLen, pkt.data(), pkt.size());
  len_ = pkt.size();
  count_ = 1;
  closed_ = false;
  l4_off_ = l4_off;
  gso_size_ = pkt.size() - l4_off - kUdpHdr;
  version_ = static_cast<uint8_t>(pkt[0] >> 4);
}

UdpCoalescer::Offer UdpCoalescer::offer(std::span<const uint8_t> pkt) {
  size_t l4_off = 0;
  const std::span<const uint8_t> udp = joinable_udp(pkt, l4_off);
  if (udp.empty()) return Offer::Alone;
  if (count_ == 0) {
    start(pkt, l4_off);
    return Offer::Joined;
  }
  const size_t payload = udp.size() - kUdpHdr;
  uint8_t* train = buf_.data() + kVnetHdrLen;
  if (closed_ || static_cast<uint8_t>(pkt[0] >> 4) != version_ || payload > gso_size_ || len_ + payload > kMaxBytes ||
      !same_flow(train, pkt.data(), l4_off_)) {
    pending_l4_off_ = l4_off;
    return Offer::NewTrain;
  }
  std::memcpy(train + len_, udp.data() + kUdpHdr, payload);
  len_ += payload;
  ++count_;
  if (payload < gso_size_ || count_ == kMaxSegments || len_ + gso_size_ > kMaxBytes) closed_ = true;
  return Offer::Joined;
}

void UdpCoalescer::restart(std::span<const uint8_t> pkt) { start(pkt, pending_l4_off_); }

std::span<uint8_t> UdpCoalescer::finish(VnetHdr& h) {
  uint8_t* p = buf_.data() + kVnetHdrLen;
  const std::span<uint8_t> out(p, len_);
  h = VnetHdr{};
  if (count_ > 1) {
    const size_t ulen = len_ - l4_off_;
    uint32_t pseudo;
    if (l4_off_ == kIpv4Hdr) {
      store16(p + 2, static_cast<uint16_t>(len_));
      store16(p + 10, 0);
      store16(p + 10, checksum::finish(checksum::partial({p, kIpv4Hdr})));
      pseudo = checksum::pseudo_header4(p + 12, p + 16, kUdp, static_cast<uint16_t>(ulen));
    } else {
      store16(p + 4, static_cast<uint16_t>(ulen));
      pseudo = checksum::pseudo_header6(p + 8, p + 24, kUdp, static_cast<uint32_t>(ulen));
    }
    store16(p + l4_off_ + 4, static_cast<uint16_t>(ulen));
    // NEEDS_CSUM: the folded pseudo-header sum, not complemented; the kernel adds the rest.
    store16(p + l4_off_ + kUdpCsumOff, checksum::fold(pseudo));
    h.flags = kFlagNeedsCsum;
    h.gso_type = kGsoUdpL4;
    h.hdr_len = static_cast<uint16_t>(l4_off_ + kUdpHdr);
    h.gso_size = static_cast<uint16_t>(gso_size_);
    h.csum_start = static_cast<uint16_t>(l4_off_);
    h.csum_offset = static_cast<uint16_t>(kUdpCsumOff);
  }
  clear();
  return out;
}

}  // namespace sixfour::xlat::offload
