// The CLAT's IPv6 side on the uplink, for its dedicated address (RFC 6877 §6.3): the kernel does not
// own that address, so the CLAT sends its IPv6 packets through a header-included raw socket
// (UplinkTx), captures the packets addressed to it with a packet socket (UplinkRx), answers neighbour
// discovery for it and checks it with duplicate address detection (run_dad, RFC 4862 §5.4) while a
// SolicitedNodeGroup membership makes the NIC and the switches deliver solicitations to it.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <span>

#include "addr/ip.hpp"
#include "clat/neighbor_discovery.hpp"
#include "common/result.hpp"
#include "io/dataplane/tun_queue.hpp"
#include "io/sys/fd.hpp"

namespace sixfour::io {

// The uplink's incoming IPv6 packets for the CLAT: an AF_PACKET SOCK_RAW socket for ETH_P_IPV6
// on one interface, non-blocking. With PACKET_VNET_HDR every read() returns a 10-byte
// virtio_net_hdr and then the IPv6 packet, GRO super-packets included, exactly as a TUN queue with
// IFF_VNET_HDR does, so the data plane reads it like a TUN. Packets the host itself sends are not
// seen (PACKET_IGNORE_OUTGOING). It receives nothing until set_address().
//
// The same socket sends the CLAT's outgoing TCP super-packets whole (write(): virtio-net header,
// then the IPv6 packet), so that the kernel segments them only where the host's own TCP would be
// (in the driver, or not at all when the next hop takes them whole, e.g. a veth), not the CLAT in
// user space before a raw socket. On Ethernet the frame needs the next hop's address: the one the
// destination's own packets came from (read() notes the source of every unicast frame by the
// IPv6 source address it carried), while they keep coming (kNextHopFreshSeconds). Without one,
// write() fails (EHOSTUNREACH) and the caller sends segments through UplinkTx, whose route and
// neighbour lookups are the kernel's: the first packets of a flow always go that way. These frames
// skip the host's IPv6 routing and netfilter hooks (not its qdisc). read() and write() may run in
// two threads at once.
class UplinkRx final : public TunQueue {
 public:
  static constexpr uint32_t kNextHopFreshSeconds = 2;

  static Result<UplinkRx> open(int ifindex);

  // Lets through only IPv6 packets to `a`, and neighbour solicitations and advertisements (ICMPv6
  // 135/136 right after the fixed header) to anyone: those carry DAD and address resolution for `a`,
  // sent to its solicited-node group or to all nodes. A classic BPF filter in the kernel, so the
  // host's own traffic never wakes the CLAT.
  Status set_address(const Ipv6Addr& a);
  // The shared-address mode (clat/port_map.hpp): packets to the host's own address `host` that may
  // be the CLAT's, by port (`first`..`last`), plus ICMPv6 errors and fragments to check after
  // reassembly. No neighbour discovery.
  Status set_shared(const Ipv6Addr& host, uint16_t first, uint16_t last);

  int fd() const { return fd_.get(); }
  ssize_t read(std::span<uint8_t> buf) override;
  ssize_t write(std::span<const uint8_t> buf) override;  // header + IPv6 packet, sent as one frame
  ssize_t writev(const iovec* iov, int count) override;  // -1, EBADF: whole packets through write()

 private:
  // Next hops learnt from incoming frames, by a hash of the IPv6 source: a slot holds 16 more bits
  // of the hash and the MAC (0: empty), and when a frame last came (CLOCK_MONOTONIC_COARSE, s).
  // Apart from the socket so that UplinkRx can move.
  struct NextHops {
    struct Slot {
      std::atomic<uint64_t> tag_mac{0};
      std::atomic<uint32_t> seen{0};
    };
    std::array<Slot, 256> slots;
  };
  UplinkRx(Fd fd, int ifindex, size_t l2, const std::array<uint8_t, 6>& own)
      : fd_(std::move(fd)), ifindex_(ifindex), l2_(l2), own_mac_(own), hops_(std::make_unique<NextHops>()) {}
  void learn_next_hop(const uint8_t* ipv6_source);
  bool next_hop(const uint8_t* ipv6_destination, uint8_t* mac) const;

  Fd fd_;
  int ifindex_ = 0;
  size_t l2_ = 0;                          // link-layer header bytes before the IPv6 header
  std::array<uint8_t, 16> link_header_{};  // where read() puts them
  std::array<uint8_t, 6> own_mac_{};       // the uplink's address, the source of written frames
  std::unique_ptr<NextHops> hops_;
};

// The uplink's outgoing IPv6 packets from the CLAT: an AF_INET6 SOCK_RAW IPPROTO_RAW socket (the
// packet carries its own IPv6 header) bound to the interface. The kernel routes and resolves the
// next hop, keeps the source (not an address of the host) and the hop limit as written, and does
// not fragment: a packet longer than the interface MTU fails with EMSGSIZE. Non-blocking.
class UplinkTx {
 public:
  static constexpr size_t kBatch = 64;  // packets per sendmmsg call

  static Result<UplinkTx> open(int ifindex);

  // Sends one IPv6 packet to the destination in its header: the byte count or -1 with errno.
  ssize_t send(std::span<const uint8_t> ipv6_packet);

  // Sends `packets` in order with sendmmsg and returns how many went out. When that is fewer than
  // packets.size(), packets[n] was refused (errno says why: EAGAIN when the socket buffer is full,
  // EMSGSIZE above the MTU, ...) and nothing after it was tried.
  size_t send_batch(std::span<const std::span<const uint8_t>> packets);

  int fd() const { return fd_.get(); }

 private:
  UplinkTx(Fd fd, int ifindex) : fd_(std::move(fd)), ifindex_(ifindex) {}
  size_t send_chunk(std::span<const std::span<const uint8_t>> packets);

  Fd fd_;
  int ifindex_ = 0;
  // sendmmsg's arrays, kept here so that sending allocates nothing.
  std::array<mmsghdr, kBatch> msgs_{};
  std::array<iovec, kBatch> iovs_{};
  std::array<sockaddr_in6, kBatch> dsts_{};
};

// Membership of the solicited-node multicast group of an address on one interface (RFC 4861 §7.2.1,
// RFC 4862 §5.4.2), held by a datagram socket of its own: the kernel sends the MLD reports and
// programs the NIC's multicast filter, so solicitations for the address reach the UplinkRx. Leaving
// is closing that socket, on destruction.
class SolicitedNodeGroup {
 public:
  static Result<SolicitedNodeGroup> join(int ifindex, const Ipv6Addr& address);
  const Ipv6Addr& group() const { return group_; }

 private:
  SolicitedNodeGroup(Fd fd, const Ipv6Addr& group) : fd_(std::move(fd)), group_(group) {}
  Fd fd_;
  Ipv6Addr group_;
};

// Duplicate address detection for `tentative` on `ifindex` (RFC 4862 §5.4): joins its solicited-node
// group, sends one DAD solicitation (DupAddrDetectTransmits = 1) and listens for `wait`
// (RetransTimer, 1000 ms by default, RFC 4861 §10). true when another node has or tries the address.
Result<bool> run_dad(int ifindex, const Ipv6Addr& tentative,
                     std::chrono::milliseconds wait = std::chrono::milliseconds(1000));

// Sends a router solicitation (RFC 4861 §6.3.7) from the interface's link-local address, with `mac`
// as the source link-layer address; from :: without it when the interface has no link-local address.
Status send_router_solicitation(int ifindex, const clat::Mac& mac);

// The interface's Ethernet address (SIOCGIFHWADDR).
Result<clat::Mac> interface_mac(int ifindex);

}  // namespace sixfour::io
