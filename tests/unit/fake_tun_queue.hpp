// A TUN queue for unit tests (io/dataplane/tun_queue.hpp): reads hand out the packets queued with
// push() (then EAGAIN), every write and writev is recorded (virtio-net header and packet apart), and
// writes can be refused with an errno, e.g. EINVAL for UDP GSO like a kernel without USO.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include "io/dataplane/tun_queue.hpp"
#include "xlat/offload.hpp"

namespace faketun {

using Bytes = std::vector<uint8_t>;

struct Written {
  sixfour::xlat::offload::VnetHdr hdr;  // zero when the queue has no virtio-net header
  Bytes pkt;
  bool vectored = false;  // came through writev
};

class FakeTunQueue final : public sixfour::io::TunQueue {
 public:
  explicit FakeTunQueue(bool vnet) : vnet_(vnet) {}

  // A packet for the next read(); with vnet, `hdr` goes before it.
  void push(const Bytes& pkt, const sixfour::xlat::offload::VnetHdr& hdr = {}) {
    Bytes r;
    if (vnet_) {
      r.resize(sixfour::xlat::offload::kVnetHdrLen);
      sixfour::xlat::offload::store(hdr, r.data());
    }
    r.insert(r.end(), pkt.begin(), pkt.end());
    reads_.push_back(std::move(r));
  }
  // A raw read, exactly these bytes (e.g. a truncated virtio-net header).
  void push_raw(const Bytes& bytes) { reads_.push_back(bytes); }

  // Returns the errno to fail a write with (0: accept it).
  std::function<int(const Written&)> refuse;
  // Refuses every UDP GSO write with EINVAL, as a kernel that does not know UDP_L4 GSO.
  void refuse_udp_gso() {
    refuse = [](const Written& w) {
      return (w.hdr.gso_type & ~sixfour::xlat::offload::kGsoEcn) == sixfour::xlat::offload::kGsoUdpL4 ? EINVAL : 0;
    };
  }

  std::vector<Written> written;  // accepted writes, in order
  std::vector<Written> refused;  // refused ones
  int reads = 0;

  ssize_t read(std::span<uint8_t> buf) override {
    ++reads;
    if (reads_.empty()) {
      errno = EAGAIN;
      return -1;
    }
    Bytes r = std::move(reads_.front());
    reads_.pop_front();
    const size_t n = std::min(r.size(), buf.size());
    std::memcpy(buf.data(), r.data(), n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(std::span<const uint8_t> buf) override { return record(Bytes(buf.begin(), buf.end()), false); }
  ssize_t writev(const iovec* iov, int count) override {
    Bytes all;
    for (int i = 0; i < count; ++i) {
      const auto* p = static_cast<const uint8_t*>(iov[i].iov_base);
      all.insert(all.end(), p, p + iov[i].iov_len);
    }
    return record(std::move(all), true);
  }

 private:
  ssize_t record(Bytes all, bool vectored) {
    Written w;
    w.vectored = vectored;
    const size_t hl = vnet_ ? sixfour::xlat::offload::kVnetHdrLen : 0;
    if (all.size() < hl) {
      errno = EINVAL;
      return -1;
    }
    if (vnet_) w.hdr = sixfour::xlat::offload::parse(all.data());
    w.pkt.assign(all.begin() + static_cast<long>(hl), all.end());
    if (refuse) {
      if (const int e = refuse(w)) {
        refused.push_back(std::move(w));
        errno = e;
        return -1;
      }
    }
    const auto n = static_cast<ssize_t>(all.size());
    written.push_back(std::move(w));
    return n;
  }

  bool vnet_;
  std::deque<Bytes> reads_;
};

}  // namespace faketun
