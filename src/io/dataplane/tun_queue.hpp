// One queue of a TUN device as the data plane uses it: read one packet, write one buffer, write a
// gather list. The data plane's packet path and writer (packet_path.hpp) only see this interface,
// so a unit test drives them with a fake queue (tests/unit/fake_tun_queue.hpp) that records every
// write and can refuse some, the way wireguard-go's tun.Device is faked by its tuntest package.
//
// Calls behave as read(2) / write(2) / writev(2): the byte count, or -1 with errno set.
#pragma once
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <span>

namespace sixfour::io {

class TunQueue {
 public:
  virtual ~TunQueue() = default;
  virtual ssize_t read(std::span<uint8_t> buf) = 0;
  virtual ssize_t write(std::span<const uint8_t> buf) = 0;
  virtual ssize_t writev(const iovec* iov, int count) = 0;
};

// The real thing: a TUN queue fd (Tun::fd(i), non-blocking). Does not own the fd.
class TunFdQueue final : public TunQueue {
 public:
  explicit TunFdQueue(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  ssize_t read(std::span<uint8_t> buf) override;
  ssize_t write(std::span<const uint8_t> buf) override;
  ssize_t writev(const iovec* iov, int count) override;

 private:
  int fd_;
};

}  // namespace sixfour::io
