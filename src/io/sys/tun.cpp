#include "io/sys/tun.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io/sys/errno_text.hpp"

namespace sixfour::io {

namespace {

// Attaches one queue with `flags`; the error text names the device.
Result<Fd> attach(const std::string& name, short flags, std::string& kernel_name) {
  Fd fd{::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)};
  if (!fd) return Error{fmt::format("cannot open /dev/net/tun: {}", errno_text(errno))};
  ifreq ifr{};
  ifr.ifr_flags = flags;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    int err = errno;
    std::string msg = fmt::format("TUNSETIFF {}: {}", name, errno_text(err));
    if (err == EINVAL)
      msg += " (an existing device of that name is not a multi-queue TUN device)";
    else if (err == EBUSY)
      msg += " (the device is in use by another program)";
    return Error{msg};
  }
  // The kernel may have rewritten the name (it never does for a name without '%').
  kernel_name = std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return fd;
}

}  // namespace

Result<Tun> Tun::open(const std::string& name, unsigned queues, bool offload) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return Error{fmt::format("TUN name \"{}\" must be 1 to {} characters", name, IFNAMSIZ - 1)};
  if (queues == 0) queues = 1;
  Tun tun;
  tun.name_ = name;
  // No packet-information header: every read/write is exactly one IP packet (after the virtio-net
  // header when there is one), its family given by the version nibble.
  constexpr short kPlain = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  short flags = kPlain;
  if (offload) {
    // The header's size stays the default sizeof(struct virtio_net_hdr) = 10 bytes.
    auto first = attach(name, static_cast<short>(kPlain | IFF_VNET_HDR), tun.name_);
    if (first) {
      flags = static_cast<short>(kPlain | IFF_VNET_HDR);
      tun.vnet_hdr_ = true;
      tun.fds_.push_back(std::move(first).value());
    }
    // Refused (a kernel without IFF_VNET_HDR, or an existing device of that name opened without
    // it): fall through to the plain device, whose error, if any, is the one worth reporting.
  }
  while (tun.fds_.size() < queues) {
    auto fd = attach(name, flags, tun.name_);
    if (!fd) return Error{fd.error()};
    tun.fds_.push_back(std::move(fd).value());
  }
  if (tun.vnet_hdr_) {
    // Offloads are a property of the device, set through any of its queues. Most first: each
    // kernel release refuses the bits it does not know (USO came with Linux 6.2), and TSO needs
    // CSUM. Zero always succeeds and keeps the kernel doing all the work itself.
    const unsigned tries[] = {
        kCsum | kTso4 | kTso6 | kTsoEcn | kUso4 | kUso6,
        kCsum | kTso4 | kTso6 | kTsoEcn,
        kCsum,
        0,
    };
    for (unsigned bits : tries) {
      if (::ioctl(tun.fds_[0].get(), TUNSETOFFLOAD, static_cast<unsigned long>(bits)) == 0) {
        tun.offloads_ = bits;
        break;
      }
    }
  }
  return tun;
}

std::string Tun::offload_names() const {
  static constexpr std::pair<unsigned, const char*> kNames[] = {
      {kCsum, "csum"}, {kTso4, "tso4"}, {kTso6, "tso6"}, {kTsoEcn, "tso-ecn"}, {kUso4, "uso4"}, {kUso6, "uso6"},
  };
  std::string out;
  for (const auto& [bit, text] : kNames) {
    if (!(offloads_ & bit)) continue;
    if (!out.empty()) out += ',';
    out += text;
  }
  return out.empty() ? "none" : out;
}

Status Tun::set_mtu(unsigned mtu) const {
  Fd sock{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (!sock) return Error{fmt::format("socket: {}", std::strerror(errno))};
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name_.data(), name_.size());
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (::ioctl(sock.get(), SIOCSIFMTU, &ifr) < 0)
    return Error{fmt::format("cannot set MTU {} on {}: {}", mtu, name_, errno_text(errno))};
  return Ok{};
}

}  // namespace sixfour::io
