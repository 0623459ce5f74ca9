// A Linux TUN device (IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE): one non-blocking fd per queue, all
// attached to the same interface. The kernel spreads flows over the queues, so each queue can be
// served by its own thread. Closing the fds removes a non-persistent device.
//
// With offloads asked for, the device is opened with IFF_VNET_HDR: every read and write carries a
// 10-byte virtio-net header (xlat/offload.hpp) before the IP packet, and TUNSETOFFLOAD tells the
// kernel which kinds of packets the reader accepts: partial checksums (CSUM), TCP super-packets
// (TSO4/TSO6, with ECN) and UDP super-packets (USO4/USO6). The kernel then stops segmenting and
// checksumming on the translator's behalf, and forwards 64 KiB GSO packets to it whole.
#pragma once
#include <string>
#include <vector>

#include "common/result.hpp"
#include "io/sys/fd.hpp"

namespace sixfour::io {

class Tun {
 public:
  // TUN_F_* bits of TUNSETOFFLOAD (linux/if_tun.h; the USO ones are Linux 6.2+ and missing from
  // older headers, so they are spelled out here).
  static constexpr unsigned kCsum = 0x01, kTso4 = 0x02, kTso6 = 0x04, kTsoEcn = 0x08, kUso4 = 0x20, kUso6 = 0x40;

  // Attaches `queues` queues to device `name`, creating it if absent. Errors read like
  // "TUNSETIFF siit0: Operation not permitted (run as root)". With `offload`, tries the virtio-net
  // header and the offloads, most first, then fewer (see offloads()); a kernel that refuses the
  // header gets the plain device (vnet_hdr() false), never an error.
  static Result<Tun> open(const std::string& name, unsigned queues, bool offload = false);

  const std::string& name() const { return name_; }
  const std::vector<Fd>& fds() const { return fds_; }
  int fd(size_t queue) const { return fds_[queue].get(); }
  size_t queues() const { return fds_.size(); }

  // Whether reads and writes carry the virtio-net header.
  bool vnet_hdr() const { return vnet_hdr_; }
  // The TUN_F_* bits the kernel accepted (0 without the header).
  unsigned offloads() const { return offloads_; }
  // "csum,tso4,tso6,tso-ecn,uso4,uso6", or "none".
  std::string offload_names() const;

  Status set_mtu(unsigned mtu) const;  // SIOCSIFMTU

 private:
  std::string name_;
  std::vector<Fd> fds_;
  bool vnet_hdr_ = false;
  unsigned offloads_ = 0;
};

}  // namespace sixfour::io
