#include "io/dataplane/tun_queue.hpp"

#include <unistd.h>

namespace sixfour::io {

ssize_t TunFdQueue::read(std::span<uint8_t> buf) { return ::read(fd_, buf.data(), buf.size()); }

ssize_t TunFdQueue::write(std::span<const uint8_t> buf) { return ::write(fd_, buf.data(), buf.size()); }

ssize_t TunFdQueue::writev(const iovec* iov, int count) { return ::writev(fd_, iov, count); }

}  // namespace sixfour::io
