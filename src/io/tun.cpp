#include "io/tun.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io/errno_text.hpp"

namespace sixfour::io {

Result<Tun> Tun::open(const std::string& name, unsigned queues) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return Error{fmt::format("TUN name \"{}\" must be 1 to {} characters", name, IFNAMSIZ - 1)};
  if (queues == 0) queues = 1;
  Tun tun;
  tun.name_ = name;
  for (unsigned q = 0; q < queues; ++q) {
    Fd fd{::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)};
    if (!fd) return Error{fmt::format("cannot open /dev/net/tun: {}", errno_text(errno))};
    ifreq ifr{};
    // No packet-information header: every read/write is exactly one IP packet, its family given by
    // the version nibble.
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
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
    tun.name_ = std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
    tun.fds_.push_back(std::move(fd));
  }
  return tun;
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
