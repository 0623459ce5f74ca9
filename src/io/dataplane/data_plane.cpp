#include "io/dataplane/data_plane.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "xlat/offload.hpp"
#include "xlat/udp_coalescer.hpp"

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
// Packets handled per wake-up before counters are published and poll() is called again.
constexpr int kBatch = 64;

// The header written with every packet that is not a translated super-packet: no GSO, checksum
// complete (the translators always produce complete checksums for ordinary packets).
constexpr uint8_t kZeroHdr[offload::kVnetHdrLen] = {};

}  // namespace

DataPlane::DataPlane(const Tun& tun, const xlat::Config& xlat)
    : tun_(tun), xlat_(xlat), published_(new PublishedIo[tun.queues()]) {}

Status DataPlane::start(std::vector<std::unique_ptr<Worker>> workers) {
  if (workers.size() != tun_.queues())
    return Error{fmt::format("{} workers for {} TUN queues", workers.size(), tun_.queues())};
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  workers_ = std::move(workers);
  started_ = std::chrono::steady_clock::now();
  for (size_t q = 0; q < workers_.size(); ++q) threads_.emplace_back([this, q] { run(q, *workers_[q]); });
  return Ok{};
}

void DataPlane::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  if (stop_fd_) {
    uint64_t one = 1;
    // Level-triggered and never read: every worker's poll() sees it.
    [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::vector<IoCounters> DataPlane::io() const {
  std::vector<IoCounters> out(tun_.queues());
  for (size_t q = 0; q < out.size(); ++q) out[q] = published_[q].load();
  return out;
}

uint64_t DataPlane::uptime_seconds() const {
  if (started_ == std::chrono::steady_clock::time_point{}) return 0;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
}

void DataPlane::run(size_t queue, Worker& worker) {
  const int fd = tun_.fd(queue);
  const bool vnet = tun_.vnet_hdr();
  std::vector<uint8_t> in(kInSize);
  // Translations are written after room for a virtio-net header, so that one write() sends header
  // and packet (a writev with two pieces costs the kernel measurably more per small packet).
  std::vector<uint8_t> outmem(offload::kVnetHdrLen + kOutSize);
  const std::span<uint8_t> outbuf(outmem.data() + offload::kVnetHdrLen, kOutSize);
  // Only the offload paths segment.
  std::vector<uint8_t> segbuf(vnet ? kSegSize : 0);
  std::vector<uint16_t> seglens(vnet ? kMaxSegments : 0);
  xlat::Output out;
  IoCounters io;
  PublishedIo& pub = published_[queue];
  // UDP datagrams of one flow leave as one UDP GSO super-packet (xlat/udp_coalescer.hpp) when the
  // kernel knows UDP_L4 GSO (it accepted USO, Linux 6.2+). A kernel that still refuses one turns
  // coalescing off for this worker; the refused train is then sent datagram by datagram.
  bool coalesce = vnet && (tun_.offloads() & (Tun::kUso4 | Tun::kUso6)) != 0;
  std::optional<offload::UdpCoalescer> train;
  if (coalesce) train.emplace();

  // One packet out, after its virtio-net header when the device has one.
  // `pkt` lies in outbuf: the kVnetHdrLen bytes before it (headroom, or the end of a packet
  // already written) take the header.
  auto write_one = [&](const uint8_t* hdr, std::span<uint8_t> pkt) {
    ssize_t want = static_cast<ssize_t>(pkt.size());
    ssize_t n;
    if (vnet) {
      uint8_t* start = pkt.data() - offload::kVnetHdrLen;
      std::memcpy(start, hdr, offload::kVnetHdrLen);
      want += static_cast<ssize_t>(offload::kVnetHdrLen);
      n = ::write(fd, start, pkt.size() + offload::kVnetHdrLen);
    } else {
      n = ::write(fd, pkt.data(), pkt.size());
    }
    if (n != want) ++io.write_errors;
  };
  // Writes the UDP train, if any: one datagram as an ordinary packet, more as one super-packet.
  auto flush = [&] {
    if (!train || train->count() == 0) return;
    const size_t count = train->count();
    offload::VnetHdr h;
    const std::span<uint8_t> pkt = train->finish(h);
    uint8_t* start = pkt.data() - offload::kVnetHdrLen;
    offload::store(h, start);
    const ssize_t n = ::write(fd, start, pkt.size() + offload::kVnetHdrLen);
    if (n == static_cast<ssize_t>(pkt.size() + offload::kVnetHdrLen)) {
      if (count > 1) {
        ++io.udp_trains;
        io.udp_coalesced += count;
      }
      return;
    }
    if (count == 1 || n >= 0 || errno != EINVAL) {
      ++io.write_errors;
      return;
    }
    spdlog::warn("worker {}: the kernel refused a UDP GSO packet ({}); sending datagrams one by one from now on", queue,
                 std::strerror(errno));
    coalesce = false;
    // Once per worker, and segbuf may be in use (this train can end in the middle of a software
    // segmentation): buffers of its own.
    std::vector<uint8_t> segs_buf(offload::UdpCoalescer::kMaxBytes + offload::UdpCoalescer::kMaxSegments * 64);
    std::vector<uint16_t> segs_len(offload::UdpCoalescer::kMaxSegments);
    const size_t segs = offload::segment(pkt, h, segs_buf, segs_len);
    if (segs == 0) {
      io.write_errors += count;
      return;
    }
    size_t off = 0;
    for (size_t k = 0; k < segs; ++k) {
      iovec iov[2] = {{const_cast<uint8_t*>(kZeroHdr), offload::kVnetHdrLen}, {segs_buf.data() + off, segs_len[k]}};
      if (::writev(fd, iov, 2) != static_cast<ssize_t>(offload::kVnetHdrLen + segs_len[k])) ++io.write_errors;
      off += segs_len[k];
    }
  };
  // One ordinary packet out (in outbuf, as write_one wants it): joins the UDP train if it can, else
  // goes after the train.
  auto send = [&](std::span<uint8_t> pkt) {
    if (coalesce) {
      switch (train->offer(pkt)) {
        case offload::UdpCoalescer::Offer::Joined:
          if (train->closed()) flush();
          return;
        case offload::UdpCoalescer::Offer::NewTrain:
          flush();
          if (coalesce) {  // still (a refused train turns it off)
            train->restart(pkt);
            return;
          }
          break;
        case offload::UdpCoalescer::Offer::Alone:
          flush();
          break;
      }
    }
    write_one(kZeroHdr, pkt);
  };
  // Translates one ordinary packet (complete checksum, no GSO) and writes what comes out:
  // forwarded translations, hairpinned packets and ICMP errors alike go back into the kernel
  // through the TUN, which routes each by its own family and destination.
  auto translate_plain = [&](std::span<const uint8_t> pkt) {
    out.data = outbuf;
    out.count = 0;
    out.super_packet = false;
    out.payload_in_place = false;
    worker.translate(pkt, out);
    if (out.outcome == xlat::Outcome::Drop || out.outcome == xlat::Outcome::Held) return;
    size_t off = 0;
    for (size_t k = 0; k < out.count; ++k) {
      send(outbuf.subspan(off, out.lens[k]));
      off += out.lens[k];
    }
  };
  // A super-packet that offload::classify() found to fit the next hop as one: translated once, its
  // virtio-net header translated with it (RFC 7915 applies to each segment the same way, so doing
  // it once on the shared headers is the same as doing it per segment).
  //
  // Its payload is not copied: the translator writes only the new IP and transport headers
  // (Output::payload_in_place) and one writev sends the virtio-net header, those headers and the
  // payload still in the read buffer.
  auto translate_super = [&](std::span<const uint8_t> pkt, const offload::VnetHdr& h) {
    flush();  // keeps the order of what was read
    out.data = outbuf;
    out.count = 0;
    out.super_packet = true;
    out.payload_in_place = true;
    worker.translate(pkt, out);
    out.super_packet = false;
    out.payload_in_place = false;
    if (out.outcome == xlat::Outcome::Drop || out.outcome == xlat::Outcome::Held) return;
    if (out.outcome == xlat::Outcome::Reply) {
      // An ICMP error about it (e.g. hop limit exceeded): an ordinary packet.
      for (size_t k = 0; k < out.count; ++k) write_one(kZeroHdr, out.packet(k));
      return;
    }
    const size_t total = out.lens[0];
    const size_t head = total - std::min<size_t>(out.tail_len, total);
    offload::VnetHdr oh;
    if (out.count != 1 || size_t{out.tail_from} + out.tail_len > pkt.size() ||
        !offload::after_translation(h, std::span<uint8_t>(outbuf.data(), head), total, oh)) {
      ++io.offload_malformed;
      return;
    }
    offload::store(oh, outmem.data());  // the headroom before outbuf
    iovec iov[2] = {{outmem.data(), offload::kVnetHdrLen + head},
                    {const_cast<uint8_t*>(pkt.data()) + out.tail_from, out.tail_len}};
    const ssize_t n = ::writev(fd, iov, out.tail_len ? 2 : 1);
    if (n != static_cast<ssize_t>(offload::kVnetHdrLen + total)) ++io.write_errors;
    ++io.super_packets;
  };

  // One packet read (n bytes in `in`, after the virtio-net header when there is one).
  auto handle = [&](size_t n) {
    if (!vnet) {
      translate_plain(std::span<const uint8_t>(in.data(), n));
      return;
    }
    if (n < offload::kVnetHdrLen) {
      ++io.offload_malformed;
      return;
    }
    const offload::VnetHdr h = offload::parse(in.data());
    std::span<uint8_t> pkt(in.data() + offload::kVnetHdrLen, n - offload::kVnetHdrLen);
    switch (offload::classify(pkt, h, xlat_)) {
      case offload::Path::Plain:
        translate_plain(pkt);
        break;
      case offload::Path::FinishChecksum:
        if (!offload::finish_checksum(pkt, h)) {
          ++io.offload_malformed;
          break;
        }
        ++io.csum_finished;
        translate_plain(pkt);
        break;
      case offload::Path::Super:
        translate_super(pkt, h);
        break;
      case offload::Path::Segment: {
        const size_t count = offload::segment(pkt, h, segbuf, seglens);
        if (count == 0) {
          ++io.offload_malformed;
          break;
        }
        ++io.segmented;
        io.segments += count;
        size_t off = 0;
        for (size_t k = 0; k < count; ++k) {
          translate_plain(std::span<const uint8_t>(segbuf.data() + off, seglens[k]));
          off += seglens[k];
        }
        break;
      }
      case offload::Path::Drop:
        ++io.offload_malformed;
        break;
    }
  };

  pollfd pfd[2] = {{fd, POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  for (;;) {
    int r = ::poll(pfd, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      spdlog::error("worker {}: poll: {}", queue, std::strerror(errno));
      break;
    }
    if (pfd[1].revents) break;
    if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      spdlog::error("worker {}: TUN queue closed", queue);
      break;
    }
    ++io.wakeups;
    worker.begin_batch();
    for (int i = 0; i < kBatch; ++i) {
      ssize_t n = ::read(fd, in.data(), in.size());
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) ++io.read_errors;
        break;
      }
      handle(static_cast<size_t>(n));
    }
    flush();
    worker.publish();
    pub.publish(io);
  }
  worker.publish();
  pub.publish(io);
  // A worker that stops on its own (its queue failed) takes the daemon down rather than leaving
  // part of the traffic silently untranslated; the main thread waits for this signal.
  if (!stopping_.load(std::memory_order_relaxed)) ::kill(::getpid(), SIGTERM);
}

unsigned default_workers() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  // MAX_TAP_QUEUES in the Linux TUN driver is 256.
  return static_cast<unsigned>(std::clamp<long>(n, 1, 256));
}

Result<TranslatorLink> open_translator_link(const std::string& name, unsigned queues, bool offload, unsigned mtu) {
  auto tun = Tun::open(name, queues, offload);
  if (!tun) return Error{tun.error()};
  auto nl = Netlink::open();
  if (!nl) return Error{nl.error()};
  auto ifindex = nl.value().link_index(tun->name());
  if (!ifindex) return Error{ifindex.error()};
  if (auto st = nl.value().set_mtu(*ifindex, mtu); !st) return Error{st.error()};
  if (auto st = nl.value().set_link_up(*ifindex); !st) return Error{st.error()};
  return TranslatorLink{std::move(tun).value(), std::move(nl).value(), *ifindex};
}

}  // namespace sixfour::io
