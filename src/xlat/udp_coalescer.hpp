// UDP receive offload done by the translator: consecutive translated datagrams of one flow, written
// to the TUN as one UDP GSO super-packet (gso_type UDP_L4, "USO") instead of one write() each.
//
// Why: a TUN write() is the kernel's whole forwarding path for the packet (ip_rcv, routing,
// netfilter, the next device's xmit). For small datagrams that path, not translation, is what a
// userspace translator spends its time on. Written as one super-packet, a train of N datagrams
// crosses that path once; the kernel splits it back into the N datagrams only where it must (at
// the receiving socket, or a device without UDP segmentation offload), each with its own UDP
// header, length and checksum, and, for IPv4, an Identification that counts up from the first's.
// The kernel does the same for a socket that sends with UDP_SEGMENT, and its UDP GRO for forwarded
// traffic; the receiver sees the same datagrams, in the same order.
//
// What may join a train (anything else ends it, and the caller writes that packet on its own):
// - a complete IPv4 (no options, not a fragment) or IPv6 (no extension headers) UDP packet whose
//   UDP length is the IP payload length and whose payload is not empty;
// - a checksum that verifies: merged datagrams get new checksums computed from their bytes, so a
//   datagram that arrived corrupted is never joined (it is written alone, its checksum still
//   wrong, for the receiver to drop), and an IPv4 datagram without a checksum (0) is not either;
// - the same IP header as the train's first packet apart from length, Identification and
//   header checksum (addresses, TOS/traffic class, flow label, DF, TTL/hop limit), the same ports;
// - a payload of the first's size; a shorter one is the train's last (segments are all gso_size
//   but the last, as for any GSO packet);
// - at most kMaxSegments datagrams and 65535 bytes in all.
//
// Pure logic, no I/O: the data plane (src/io/dataplane/data_plane.cpp) offers each translated packet, writes
// the train with finish()'s virtio-net header when a packet does not join, and at the end of every
// batch, so coalescing never delays a packet beyond the batch it was read in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "xlat/offload.hpp"

namespace sixfour::xlat::offload {

class UdpCoalescer {
 public:
  // The kernel refuses a UDP GSO packet of more segments than UDP_MAX_SEGMENTS (64 up to
  // Linux 6.x; some releases allow more).
  static constexpr size_t kMaxSegments = 64;
  static constexpr size_t kMaxBytes = 65535;

  UdpCoalescer();

  enum class Offer : uint8_t {
    Joined,    // added to the train (copied: `pkt` may be reused)
    NewTrain,  // a datagram that can start a train but not join this one: finish() the train,
               // then restart() with the same packet
    Alone,     // can never be part of a train: finish() the train first, then write it on its own
  };
  // Offers `pkt` (a translated packet, in the order packets are written).
  Offer offer(std::span<const uint8_t> pkt);
  // Starts the next train with the packet offer() just answered NewTrain for (its checks are not
  // repeated). Only valid right after that answer and the finish() it asked for.
  void restart(std::span<const uint8_t> pkt);

  // Whether a further packet can still join (false after a short last datagram or at the limits);
  // the caller may flush at once.
  bool closed() const { return closed_; }
  size_t count() const { return count_; }

  // The train, ready to write after a virtio-net header's room: with one datagram, that datagram
  // unchanged and a zero header (an ordinary packet); with more, one super-packet whose IP and UDP
  // lengths cover all of them, IPv4 header checksum recomputed, the UDP checksum field holding the
  // pseudo-header sum for the whole UDP length (NEEDS_CSUM), and `h` = {NEEDS_CSUM, UDP_L4,
  // hdr_len = IP + UDP header, gso_size = the first payload's size, csum_start = the UDP header,
  // csum_offset = 6}. The kVnetHdrLen bytes before the returned span are free for the header.
  // Only valid with count() > 0; the train is then empty again (the bytes stay valid until the
  // next offer()).
  std::span<uint8_t> finish(VnetHdr& h);

  // Drops the train.
  void clear() {
    count_ = 0;
    len_ = 0;
    closed_ = false;
  }

 private:
  std::vector<uint8_t> buf_;  // kVnetHdrLen headroom, then the train
  size_t len_ = 0;            // bytes of train after the headroom
  size_t count_ = 0;
  size_t l4_off_ = 0;    // 20 or 40
  size_t gso_size_ = 0;  // payload bytes of the first datagram
  uint8_t version_ = 0;
  bool closed_ = false;
  size_t pending_l4_off_ = 0;  // what offer() found out about a NewTrain packet, for restart()

  void start(std::span<const uint8_t> pkt, size_t l4_off);
};

}  // namespace sixfour::xlat::offload
