#include "io/clat/data_path.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"
#include "xlat/offload.hpp"

namespace sixfour::io {

namespace offload = xlat::offload;

namespace {

constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kPacketTooBig = 2;
constexpr uint8_t kNeighborSolicitation = 135, kNeighborAdvertisement = 136;
// A translated super-packet is at most 64 KiB; segmenting it repeats up to ~200 bytes of headers
// per segment, and a segment carries at least 48 bytes (the kernel's smallest MSS).
constexpr size_t kMaxSegments = 1400;
constexpr size_t kSegBytes = 65536 + kMaxSegments * 200;
constexpr size_t kPendingBytes = 128 * 1024;  // SplitQueue::kPending packets of up to 2 KiB

}  // namespace

bool is_neighbor_discovery(std::span<const uint8_t> pkt) {
  return pkt.size() >= 41 && (pkt[0] >> 4) == 6 && pkt[6] == kIcmpv6 &&
         (pkt[40] == kNeighborSolicitation || pkt[40] == kNeighborAdvertisement);
}

// ---- SplitQueue ------------------------------------------------------------------------------

SplitQueue::SplitQueue(TunQueue& source, bool vnet, TunQueue& tun, bool tun_vnet, Ipv6Out& out6, NdHandler* nd,
                       TunQueue* super6, size_t mtu6)
    : source_(source),
      vnet_(vnet),
      tun_(tun),
      tun_vnet_(tun_vnet),
      out6_(out6),
      nd_(nd),
      super6_(super6),
      mtu6_(mtu6),
      gather_(offload::kVnetHdrLen + 65536 + 4096),
      segs_(kSegBytes),
      seglens_(kMaxSegments),
      pending_(kPendingBytes) {
  segspans_.reserve(kMaxSegments);
  pending_spans_.reserve(kPending);
}

ssize_t SplitQueue::read(std::span<uint8_t> buf) {
  for (;;) {
    const ssize_t n = source_.read(buf);
    if (n < 0 && !pending_spans_.empty()) {  // nothing more to read for now: send what waits
      const int e = errno;
      flush();
      errno = e;
    }
    if (n <= 0 || nd_ == nullptr) return n;
    const size_t skip = vnet_ ? offload::kVnetHdrLen : 0;
    if (static_cast<size_t>(n) < skip) return n;
    const std::span<const uint8_t> pkt = buf.subspan(skip, static_cast<size_t>(n) - skip);
    if (!is_neighbor_discovery(pkt)) return n;
    ++nd_seen_;
    nd_->handle(pkt);
  }
}

ssize_t SplitQueue::write(std::span<const uint8_t> buf) {
  static constexpr uint8_t kZero[offload::kVnetHdrLen] = {};
  const uint8_t* hdr = kZero;
  std::span<const uint8_t> pkt = buf;
  if (vnet_) {
    if (buf.size() < offload::kVnetHdrLen) {
      errno = EINVAL;
      return -1;
    }
    hdr = buf.data();
    pkt = buf.subspan(offload::kVnetHdrLen);
  }
  if (pkt.empty()) {
    errno = EINVAL;
    return -1;
  }
  if ((pkt[0] >> 4) == 6) {
    const ssize_t n = write_ipv6(hdr, pkt);
    return n < 0 ? n : static_cast<ssize_t>(buf.size());
  }
  if (vnet_ == tun_vnet_) return tun_.write(buf);
  if (tun_vnet_) {  // a header the loop's reads did not have: an ordinary packet
    std::memcpy(gather_.data(), kZero, offload::kVnetHdrLen);
    if (pkt.size() + offload::kVnetHdrLen > gather_.size()) return -1;
    std::memcpy(gather_.data() + offload::kVnetHdrLen, pkt.data(), pkt.size());
    const ssize_t n = tun_.write({gather_.data(), pkt.size() + offload::kVnetHdrLen});
    return n < 0 ? n : static_cast<ssize_t>(buf.size());
  }
  if (offload::parse(hdr).gso_type != offload::kGsoNone) {  // a TUN without headers takes no super-packet
    errno = EINVAL;
    return -1;
  }
  const ssize_t n = tun_.write(pkt);
  return n < 0 ? n : static_cast<ssize_t>(buf.size());
}

ssize_t SplitQueue::writev(const iovec* iov, int count) {
  size_t len = 0;
  for (int i = 0; i < count; ++i) {
    if (len + iov[i].iov_len > gather_.size()) {
      errno = EMSGSIZE;
      return -1;
    }
    std::memcpy(gather_.data() + len, iov[i].iov_base, iov[i].iov_len);
    len += iov[i].iov_len;
  }
  // write() may reuse gather_ only for IPv4 without a header, which a writev never carries.
  return write({gather_.data(), len});
}

// A TCP super-packet whole to the uplink's packet socket, when every segment the kernel cuts from it
// fits the uplink's MTU: the IPv6 header (the translation adds no extension header to a TCP
// super-packet), the TCP header and gso_size bytes. The header must sit right before the packet.
bool SplitQueue::send_whole(const uint8_t* hdr, std::span<const uint8_t> pkt, const offload::VnetHdr& h) {
  if (super6_ == nullptr || hdr + offload::kVnetHdrLen != pkt.data()) return false;
  const uint8_t type = h.gso_type & ~offload::kGsoEcn;
  if (type != offload::kGsoTcpV6 || pkt.size() < 60 || pkt[6] != 6) return false;
  const size_t segment = 40 + size_t{pkt[52]} / 16 * 4 + h.gso_size;
  if (segment > mtu6_) return false;
  if (super6_->write({hdr, offload::kVnetHdrLen + pkt.size()}) < 0) {
    ++super6_refused_;  // no next hop known yet, a full buffer, ...: segmented for the raw socket
    return false;
  }
  ++super6_sent_;
  return true;
}

void SplitQueue::flush() {
  if (pending_spans_.empty()) return;
  unsent_ += pending_spans_.size() - out6_.send_all(pending_spans_);
  pending_spans_.clear();
  pending_len_ = 0;
}

void SplitQueue::send_later(std::span<const uint8_t> pkt) {
  if (pkt.size() > pending_.size()) {  // larger than the whole buffer (a jumbo uplink): at once
    flush();
    if (!out6_.send(pkt)) ++unsent_;
    return;
  }
  if (pending_len_ + pkt.size() > pending_.size()) flush();
  std::memcpy(pending_.data() + pending_len_, pkt.data(), pkt.size());
  pending_spans_.emplace_back(pending_.data() + pending_len_, pkt.size());
  pending_len_ += pkt.size();
  if (pending_spans_.size() == kPending) flush();
}

// The raw socket takes ordinary packets with complete checksums: a super-packet is segmented (with
// complete checksums) unless the uplink's packet socket took it whole, and a partial checksum is
// finished first. Packets leave in the order they were written.
ssize_t SplitQueue::write_ipv6(const uint8_t* hdr, std::span<const uint8_t> pkt) {
  const offload::VnetHdr h = offload::parse(hdr);
  if (h.gso_type != offload::kGsoNone) {
    flush();
    if (send_whole(hdr, pkt, h)) return static_cast<ssize_t>(pkt.size());
    const size_t n = offload::segment(pkt, h, segs_, seglens_);
    if (n == 0) {
      errno = EINVAL;
      return -1;
    }
    segspans_.clear();
    size_t off = 0;
    for (size_t k = 0; k < n; ++k) {
      segspans_.emplace_back(segs_.data() + off, seglens_[k]);
      off += seglens_[k];
    }
    if (out6_.send_all(segspans_) != n) {
      errno = EIO;
      return -1;
    }
    return static_cast<ssize_t>(pkt.size());
  }
  if (h.flags & offload::kFlagNeedsCsum) {
    if (pkt.size() > segs_.size()) return -1;
    std::memcpy(segs_.data(), pkt.data(), pkt.size());
    const std::span<uint8_t> copy(segs_.data(), pkt.size());
    if (!offload::finish_checksum(copy, h)) {
      errno = EINVAL;
      return -1;
    }
    pkt = copy;
  }
  send_later(pkt);
  return static_cast<ssize_t>(pkt.size());
}

// ---- ClatWorker ------------------------------------------------------------------------------

namespace {

// Reassembly of ICMP messages: at most 1 MiB held per direction, for at most 3 s. A reassembly
// that times out is dropped without a Time Exceeded, unlike the NAT64's (docs/hardening.md, "Rate
// limits"): what the CLAT reassembles are ICMP messages, big because they are errors quoting a
// packet, and no error may answer an error (RFC 4443 §2.4 (e), RFC 1122 §3.2.2); the rest is for
// the host itself, whose own stack answers fragments it was meant to reassemble.
constexpr uint32_t kReassemblyBudget = 1 << 20;
constexpr uint32_t kReassemblyTimeoutMs = 3000;

bool icmp_fragment(std::span<const uint8_t> p, uint8_t version) {
  if (version == 4) return p.size() >= 20 && p[9] == 1 && ((p[6] & 0x3f) | p[7]) != 0;  // MF or offset
  // A Fragment Header right after the fixed header, for ICMPv6, not atomic (RFC 8200 §4.5).
  return version == 6 && p.size() >= 48 && p[6] == 44 && p[40] == kIcmpv6 && ((p[42] << 8 | p[43]) & 0xfff9) != 0;
}

}  // namespace

ClatWorker::ClatWorker(const clat::Mapping& m, const xlat::Config& cfg, PublishedCounters& pub,
                       std::atomic<uint32_t>* path_mtu)
    : mapper_(m),
      reassembler_(kReassemblyBudget, kReassemblyTimeoutMs, std::random_device{}()),
      whole_(65536 + 64),
      cfg_(cfg),
      pub_(pub),
      path_mtu_(path_mtu) {}

void ClatWorker::begin_batch() {
  now_ms_ = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
  reassembler_.expire(now_ms_);
}

bool ClatWorker::reassemble(std::span<const uint8_t>& in, uint8_t version, xlat::Output& out) {
  size_t len = 0;
  const auto st =
      version == 4 ? reassembler_.add4(in, now_ms_, whole_, len) : reassembler_.add6(in, now_ms_, whole_, len);
  if (st == nat64::Reassembler::Status::Complete) {
    in = std::span<const uint8_t>(whole_.data(), len);
    return true;
  }
  out.outcome = st == nat64::Reassembler::Status::Held ? xlat::Outcome::Held : xlat::Outcome::Drop;
  out.reason = xlat::DropReason::FragmentedIcmp;
  return false;
}

void ClatWorker::translate(std::span<const uint8_t> in, xlat::Output& out) {
  out.count = 0;
  const uint8_t version = in.empty() ? 0 : in[0] >> 4;
  if (version == 6 && mapper_.mapping().ports) return translate_shared6(in, out);
  if (icmp_fragment(in, version) && !out.super_packet) {
    if (version == 4)
      ++counters_.in4;
    else
      ++counters_.in6;
    if (!reassemble(in, version, out)) return siit::account(counters_, out);
    if (version == 4)
      xlat::ipv4_to_ipv6(in, cfg_, mapper_, out);
    else
      xlat::ipv6_to_ipv4(in, cfg_, mapper_, out);
    return siit::account(counters_, out);
  }
  if (version == 4) {
    ++counters_.in4;
    xlat::ipv4_to_ipv6(in, cfg_, mapper_, out);
  } else if (version == 6) {
    ++counters_.in6;
    if (path_mtu_) note_packet_too_big(in);
    xlat::ipv6_to_ipv4(in, cfg_, mapper_, out);
  } else {
    out.outcome = xlat::Outcome::Drop;
    out.reason = xlat::DropReason::Malformed;
  }
  siit::account(counters_, out);
}

// Shared mode, incoming: the packet went to the host's own address, and is the CLAT's only by port
// (clat/port_map.hpp). A fragment carries no port: the datagram is reassembled first. Anything that
// is not the CLAT's is the host's business, dropped here without a word.
void ClatWorker::translate_shared6(std::span<const uint8_t> in, xlat::Output& out) {
  ++counters_.in6;
  const bool fragment = in.size() >= 48 && in[6] == 44 && ((in[42] << 8 | in[43]) & 0xfff9) != 0;
  if (fragment && !reassemble(in, 6, out)) return siit::account(counters_, out);
  if (!clat::shared_owns(in, mapper_.mapping().ports->range())) {
    out.outcome = xlat::Outcome::Drop;
    out.reason = xlat::DropReason::DstUntranslatable;
    return siit::account(counters_, out);
  }
  if (path_mtu_) note_packet_too_big(in);
  xlat::ipv6_to_ipv4(in, cfg_, mapper_, out);
  siit::account(counters_, out);
}

void ClatWorker::note_packet_too_big(std::span<const uint8_t> in) {
  if (in.size() < 48 || in[6] != kIcmpv6 || in[40] != kPacketTooBig) return;
  Ipv6Addr src;
  std::copy(in.begin() + 8, in.begin() + 24, src.b.begin());
  if (mapper_.mapping().plat.contains(src)) return;  // about one IPv4 destination only
  const uint32_t mtu = uint32_t{in[44]} << 24 | uint32_t{in[45]} << 16 | uint32_t{in[46]} << 8 | in[47];
  if (mtu < 1280) return;  // RFC 8201 §4: never below the IPv6 minimum
  uint32_t seen = path_mtu_->load(std::memory_order_relaxed);
  while ((seen == 0 || mtu < seen) && !path_mtu_->compare_exchange_weak(seen, mtu, std::memory_order_relaxed)) {
  }
}

// ---- ClatPlane -------------------------------------------------------------------------------

ClatPlane::ClatPlane(Ports p) : p_(p) {}

Status ClatPlane::start(const clat::Mapping& m, const xlat::Config& cfg) {
  stop();
  cfg_ = cfg;
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  stopping_.store(false, std::memory_order_relaxed);
  if (started_ == std::chrono::steady_clock::time_point{}) started_ = std::chrono::steady_clock::now();
  for (Dir d : {kOut, kIn}) {
    published_[d].publish({});
    published_io_[d].publish({});
    workers_[d] = std::make_unique<ClatWorker>(m, cfg_, published_[d], d == kIn ? &path_mtu_ : nullptr);
  }
  for (Dir d : {kOut, kIn}) threads_.emplace_back([this, d] { run(d, *workers_[d]); });
  return Ok{};
}

void ClatPlane::stop() {
  if (threads_.empty()) return;
  stopping_.store(true, std::memory_order_relaxed);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  std::lock_guard lock(base_mu_);
  for (Dir d : {kOut, kIn}) {
    siit::Counters c;
    published_[d].load(c);
    base_[d] += c;
    base_io_[d] += published_io_[d].load();
    published_[d].publish({});
    published_io_[d].publish({});
  }
}

StatsSnapshot ClatPlane::stats() const {
  StatsSnapshot s;
  s.workers.resize(2);
  s.io.resize(2);
  std::lock_guard lock(base_mu_);
  for (Dir d : {kOut, kIn}) {
    published_[d].load(s.workers[d]);
    s.workers[d] += base_[d];
    s.io[d] = published_io_[d].load();
    s.io[d] += base_io_[d];
  }
  if (started_ != std::chrono::steady_clock::time_point{})
    s.uptime_seconds = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
  return s;
}

void ClatPlane::run(Dir d, ClatWorker& worker) {
  const bool out = d == kOut;
  // Incoming packets come from the packet socket, always with a virtio-net header.
  const bool vnet = out ? p_.tun_vnet : true;
  // Outgoing TCP super-packets go whole to the uplink's packet socket when it can send them.
  SplitQueue queue(out ? p_.tun_queue : p_.uplink_rx, vnet, p_.tun_queue, p_.tun_vnet, p_.tx, out ? nullptr : p_.nd,
                   out && vnet ? &p_.uplink_rx : nullptr, cfg_.mtu6);
  IoCounters io;
  // Outgoing UDP is not coalesced: the raw socket would only segment it again.
  Writer writer(queue, vnet, !out && p_.tun_uso, io, d);
  PacketPath path(worker, cfg_, vnet, writer, io);
  PublishedIo& pub = published_io_[d];
  pollfd pfd[2] = {{out ? p_.tun_fd : p_.rx_fd, POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  const char* name = out ? "out" : "in";
  for (;;) {
    if (::poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("{} loop: poll: {}", name, std::strerror(errno));
      break;
    }
    if (pfd[1].revents) break;
    if (!out && (pfd[0].revents & POLLERR) && !(pfd[0].revents & POLLIN)) {
      // The uplink went down (ENETDOWN) or away: the packet socket reports it once; the daemon's
      // watcher sees the same change on netlink and decides what follows.
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(p_.rx_fd, SOL_SOCKET, SO_ERROR, &err, &len);
      spdlog::debug("in loop: uplink socket: {}", std::strerror(err));
      continue;
    }
    if (pfd[0].revents & (POLLHUP | POLLNVAL) || (out && (pfd[0].revents & POLLERR))) {
      spdlog::error("{} loop: {} closed", name, out ? "TUN queue" : "uplink socket");
      break;
    }
    ++io.wakeups;
    path.read_batch(queue);
    queue.flush();
    io.write_errors += queue.take_unsent();
    worker.publish();
    pub.publish(io);
  }
  worker.publish();
  pub.publish(io);
  if (!stopping_.load(std::memory_order_relaxed)) ::kill(::getpid(), SIGTERM);
}

}  // namespace sixfour::io
