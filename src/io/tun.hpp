// A Linux TUN device (IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE): one non-blocking fd per queue, all
// attached to the same interface. The kernel spreads flows over the queues, so each queue can be
// served by its own thread. Closing the fds removes a non-persistent device.
#pragma once
#include <string>
#include <vector>

#include "common/result.hpp"
#include "io/fd.hpp"

namespace sixfour::io {

class Tun {
 public:
  // Attaches `queues` queues to device `name`, creating it if absent. Errors read like
  // "TUNSETIFF siit0: Operation not permitted (run as root)".
  static Result<Tun> open(const std::string& name, unsigned queues);

  const std::string& name() const { return name_; }
  const std::vector<Fd>& fds() const { return fds_; }
  int fd(size_t queue) const { return fds_[queue].get(); }
  size_t queues() const { return fds_.size(); }

  Status set_mtu(unsigned mtu) const;  // SIOCSIFMTU

 private:
  std::string name_;
  std::vector<Fd> fds_;
};

}  // namespace sixfour::io
