#include "io/dataplane/packet_path.hpp"

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

namespace sixfour::io {

namespace {

namespace offload = xlat::offload;

// An IP packet is at most 65535 bytes (a GSO super-packet from the TUN too: the device keeps the
// default gso_max_size of 64 KiB); the slack keeps a read from ever being cut short.
constexpr size_t kInSize = offload::kVnetHdrLen + 65535 + 4096;
// Translation adds at most 20 bytes of header per fragment (plus ICMP error quoting), which
// xlat::Output asks the caller to cover with 4 KiB of slack; the NAT64 may translate a whole
// reassembled 65535-byte datagram out of one small fragment.
constexpr size_t kOutSize = 65536 + 8192;
// Software segmentation of one super-packet: every segment repeats the headers (hdr_len). A
// sender's MSS is at least 48 bytes (the kernel's floor), so 64 KiB of payload makes at most
// ~1400 segments; 2048 of up to 192 bytes of headers each leave room for any of them.
constexpr size_t kMaxSegments = 2048;
constexpr size_t kSegSize = 65536 + kMaxSegments * 192;

// The header written with every packet that is not a translated super-packet: no GSO, checksum
// complete (the translators always produce complete checksums for ordinary packets).
constexpr uint8_t kZeroHdr[offload::kVnetHdrLen] = {};

bool sent_nothing(xlat::Outcome o) { return o == xlat::Outcome::Drop || o == xlat::Outcome::Held; }

}  // namespace

// ---- Writer ---------------------------------------------------------------------------------

Writer::Writer(TunQueue& queue, bool vnet, bool uso, IoCounters& io, size_t worker)
    : queue_(queue), vnet_(vnet), coalesce_(vnet && uso), io_(io), worker_(worker) {
  if (coalesce_) train_.emplace();
}

void Writer::write_one(const uint8_t* hdr, std::span<uint8_t> pkt) {
  ssize_t n;
  size_t want = pkt.size();
  if (vnet_) {
    uint8_t* start = pkt.data() - offload::kVnetHdrLen;
    std::memcpy(start, hdr, offload::kVnetHdrLen);
    want += offload::kVnetHdrLen;
    n = queue_.write({start, want});
  } else {
    n = queue_.write(pkt);
  }
  if (n != static_cast<ssize_t>(want)) ++io_.write_errors;
}

void Writer::send(std::span<uint8_t> pkt) {
  if (coalesce_) {
    switch (train_->offer(pkt)) {
      case offload::UdpCoalescer::Offer::Joined:
        if (train_->closed()) flush();
        return;
      case offload::UdpCoalescer::Offer::NewTrain:
        flush();
        if (coalesce_) {  // still (a refused train turns it off)
          train_->restart(pkt);
          return;
        }
        break;
      case offload::UdpCoalescer::Offer::Alone:
        flush();
        break;
    }
  }
  write_one(kZeroHdr, pkt);
}

void Writer::write_super(const offload::VnetHdr& h, std::span<uint8_t> head, std::span<const uint8_t> tail) {
  uint8_t* start = head.data() - offload::kVnetHdrLen;
  offload::store(h, start);
  iovec iov[2] = {{start, offload::kVnetHdrLen + head.size()}, {const_cast<uint8_t*>(tail.data()), tail.size()}};
  const ssize_t n = queue_.writev(iov, tail.empty() ? 1 : 2);
  if (n != static_cast<ssize_t>(offload::kVnetHdrLen + head.size() + tail.size())) ++io_.write_errors;
  ++io_.super_packets;
}

void Writer::flush() {
  if (!train_ || train_->count() == 0) return;
  const size_t count = train_->count();
  offload::VnetHdr h;
  const std::span<uint8_t> pkt = train_->finish(h);
  uint8_t* start = pkt.data() - offload::kVnetHdrLen;
  offload::store(h, start);
  const ssize_t n = queue_.write({start, pkt.size() + offload::kVnetHdrLen});
  if (n == static_cast<ssize_t>(pkt.size() + offload::kVnetHdrLen)) {
    if (count > 1) {
      ++io_.udp_trains;
      io_.udp_coalesced += count;
    }
    return;
  }
  if (count == 1 || n >= 0 || errno != EINVAL) {
    ++io_.write_errors;
    return;
  }
  spdlog::warn("worker {}: the kernel refused a UDP GSO packet ({}); sending datagrams one by one from now on", worker_,
               std::strerror(errno));
  coalesce_ = false;
  send_one_by_one(pkt, h, count);
}

// The refused train, segmented back into its datagrams. Once per writer, into buffers of its own
// (the packet path's may be in use: a train can end in the middle of a software segmentation).
void Writer::send_one_by_one(std::span<const uint8_t> train, const offload::VnetHdr& h, size_t count) {
  std::vector<uint8_t> segs(offload::UdpCoalescer::kMaxBytes + offload::UdpCoalescer::kMaxSegments * 64);
  std::vector<uint16_t> lens(offload::UdpCoalescer::kMaxSegments);
  const size_t n = offload::segment(train, h, segs, lens);
  if (n == 0) {
    io_.write_errors += count;
    return;
  }
  size_t off = 0;
  for (size_t k = 0; k < n; ++k) {
    iovec iov[2] = {{const_cast<uint8_t*>(kZeroHdr), offload::kVnetHdrLen}, {segs.data() + off, lens[k]}};
    if (queue_.writev(iov, 2) != static_cast<ssize_t>(offload::kVnetHdrLen + lens[k])) ++io_.write_errors;
    off += lens[k];
  }
}

// ---- PacketPath -----------------------------------------------------------------------------

PacketPath::PacketPath(DataPlaneWorker& worker, const xlat::Config& cfg, bool vnet, Writer& writer, IoCounters& io)
    : worker_(worker),
      cfg_(cfg),
      vnet_(vnet),
      writer_(writer),
      io_(io),
      inmem_(kInSize),
      in_(inmem_),
      outmem_(offload::kVnetHdrLen + kOutSize),
      outbuf_(outmem_.data() + offload::kVnetHdrLen, kOutSize),
      segbuf_(vnet ? kSegSize : 0),
      seglens_(vnet ? kMaxSegments : 0) {}

void PacketPath::handle(std::span<uint8_t> read) {
  if (!vnet_) return translate_plain(read);
  if (read.size() < offload::kVnetHdrLen) {
    ++io_.offload_malformed;
    return;
  }
  const offload::VnetHdr h = offload::parse(read.data());
  const std::span<uint8_t> pkt = read.subspan(offload::kVnetHdrLen);
  switch (offload::classify(pkt, h, cfg_)) {
    case offload::Path::Plain:
      return translate_plain(pkt);
    case offload::Path::FinishChecksum:
      if (!offload::finish_checksum(pkt, h)) {
        ++io_.offload_malformed;
        return;
      }
      ++io_.csum_finished;
      return translate_plain(pkt);
    case offload::Path::Super:
      return translate_super(pkt, h);
    case offload::Path::Segment:
      return segment_and_translate(pkt, h);
    case offload::Path::Drop:
      ++io_.offload_malformed;
      return;
  }
}

// Translates one ordinary packet (complete checksum, no GSO) and writes what comes out:
// forwarded translations, hairpinned packets and ICMP errors alike go back into the kernel through
// the TUN, which routes each by its own family and destination.
void PacketPath::translate_plain(std::span<const uint8_t> pkt) {
  out_.data = outbuf_;
  out_.count = 0;
  out_.super_packet = false;
  out_.payload_in_place = false;
  worker_.translate(pkt, out_);
  if (sent_nothing(out_.outcome)) return;
  size_t off = 0;
  for (size_t k = 0; k < out_.count; ++k) {
    writer_.send(outbuf_.subspan(off, out_.lens[k]));
    off += out_.lens[k];
  }
}

// A super-packet that offload::classify() found to fit the next hop as one: translated once, its
// virtio-net header translated with it (RFC 7915 applies to each segment the same way, so doing it
// once on the shared headers is the same as doing it per segment).
//
// Its payload is not copied: the translator writes only the new IP and transport headers
// (Output::payload_in_place) and one writev sends the virtio-net header, those headers and the
// payload still in the read buffer.
void PacketPath::translate_super(std::span<const uint8_t> pkt, const offload::VnetHdr& h) {
  writer_.flush();  // keeps the order of what was read
  out_.data = outbuf_;
  out_.count = 0;
  out_.super_packet = true;
  out_.payload_in_place = true;
  worker_.translate(pkt, out_);
  out_.super_packet = false;
  out_.payload_in_place = false;
  if (sent_nothing(out_.outcome)) return;
  if (out_.outcome == xlat::Outcome::Reply) {
    // An ICMP error about it (e.g. hop limit exceeded): an ordinary packet.
    for (size_t k = 0; k < out_.count; ++k) writer_.write_one(kZeroHdr, out_.packet(k));
    return;
  }
  const size_t total = out_.lens[0];
  const size_t head = total - std::min<size_t>(out_.tail_len, total);
  offload::VnetHdr oh;
  if (out_.count != 1 || size_t{out_.tail_from} + out_.tail_len > pkt.size() ||
      !offload::after_translation(h, outbuf_.first(head), total, oh)) {
    ++io_.offload_malformed;
    return;
  }
  writer_.write_super(oh, outbuf_.first(head), pkt.subspan(out_.tail_from, out_.tail_len));
}

// A super-packet too big for the next hop as one: split here, each segment translated on its own
// (so ICMP errors, PMTUD and fragmentation behave exactly as without offloads).
void PacketPath::segment_and_translate(std::span<const uint8_t> pkt, const offload::VnetHdr& h) {
  const size_t count = offload::segment(pkt, h, segbuf_, seglens_);
  if (count == 0) {
    ++io_.offload_malformed;
    return;
  }
  ++io_.segmented;
  io_.segments += count;
  size_t off = 0;
  for (size_t k = 0; k < count; ++k) {
    translate_plain(std::span<const uint8_t>(segbuf_.data() + off, seglens_[k]));
    off += seglens_[k];
  }
}

}  // namespace sixfour::io
