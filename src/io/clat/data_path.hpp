// The CLAT's packets (RFC 6877 §6.3), two loops on the data plane's PacketPath:
//
//   out: the TUN (the host's IPv4, GSO super-packets included) -> translate -> the uplink, sent as the
//        host's own IPv6 (a raw socket: local output, no forwarding, the hop limit as written);
//   in:  the uplink (IPv6 to the CLAT's address, captured before the kernel drops it) -> translate
//        -> the TUN, where the kernel delivers it to the host's IPv4 sockets.
//
// Each loop writes through a SplitQueue, which sends every packet by its family: IPv4 into the TUN
// (translations of incoming packets, and ICMPv4 errors the CLAT sends the host), IPv6 out of the
// uplink (translations of outgoing packets, and ICMPv6 errors the CLAT sends the network). An IPv6
// super-packet (a translated TCP super-packet from the TUN) goes whole to the uplink's packet socket
// when it can take it (the kernel segments it, or a next hop with GRO/TSO takes it whole, as the
// host's own TCP would be sent); otherwise it is segmented here, since the raw socket takes ordinary
// packets only. Neighbour discovery for the CLAT's address is answered before translation.
//
// The translation itself is the RFC 7915 core with the CLAT mapping (clat/mapper.hpp); the sockets
// sit behind small interfaces, so tests/unit/clat_data_path_test.cpp drives both loops with fakes.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "clat/mapper.hpp"
#include "common/result.hpp"
#include "io/dataplane/packet_path.hpp"
#include "io/dataplane/stats.hpp"
#include "io/dataplane/tun_queue.hpp"
#include "io/sys/fd.hpp"
#include "nat64/fragments.hpp"
#include "siit/translator.hpp"
#include "xlat/offload.hpp"

namespace sixfour::io {

// Where the CLAT's IPv6 packets go: the uplink's raw socket (io/clat/uplink.hpp), a fake in tests.
class Ipv6Out {
 public:
  virtual ~Ipv6Out() = default;
  virtual bool send(std::span<const uint8_t> ipv6_packet) = 0;
  // Several at once (the segments of one super-packet); returns how many went out.
  virtual size_t send_all(std::span<const std::span<const uint8_t>> packets) {
    size_t n = 0;
    for (const auto& p : packets) n += send(p) ? 1 : 0;
    return n;
  }
};

// Neighbour discovery on the uplink: shown every incoming ICMPv6 NS/NA before translation; true if
// it took the packet (an NS for the CLAT's address, answered; anything else ND is dropped too).
class NdHandler {
 public:
  virtual ~NdHandler() = default;
  virtual void handle(std::span<const uint8_t> ipv6_packet) = 0;
};

// Whether `pkt` is an ICMPv6 Neighbor Solicitation or Advertisement (RFC 4861 §4.3/§4.4) with no
// extension header in between: never translated, it is the uplink's own business.
bool is_neighbor_discovery(std::span<const uint8_t> pkt);

// The queue a CLAT loop reads from and writes to (see the top of this file). Writes carry a
// virtio-net header when `vnet` (the loop's reads do): IPv4 goes to `tun` (with the header if
// `tun_vnet`, else without, a super-packet then refused), IPv6 to `out6`, segmented first when it
// is a super-packet. With `super6` (the uplink's packet socket, io/clat/uplink.hpp UplinkRx::write)
// a TCP super-packet whose segments fit `mtu6` is first written there whole, virtio-net header
// first; only when that write fails is it segmented for `out6`. Ordinary IPv6 packets are copied
// and sent to `out6` several at a time (one sendmmsg): when kPending are waiting, before a
// super-packet, when a read finds the source empty, and on flush(); a write() of one therefore
// succeeds, and the packets `out6` did not take are counted for take_unsent().
class SplitQueue final : public TunQueue {
 public:
  SplitQueue(TunQueue& source, bool vnet, TunQueue& tun, bool tun_vnet, Ipv6Out& out6, NdHandler* nd,
             TunQueue* super6 = nullptr, size_t mtu6 = 0);

  ssize_t read(std::span<uint8_t> buf) override;
  ssize_t write(std::span<const uint8_t> buf) override;
  ssize_t writev(const iovec* iov, int count) override;

  static constexpr size_t kPending = 64;

  // Sends the IPv6 packets waiting; the loop calls it after each batch of reads.
  void flush();
  // How many waiting IPv6 packets `out6` refused since the last call.
  uint64_t take_unsent() { return std::exchange(unsent_, 0); }

  uint64_t nd_seen() const { return nd_seen_; }
  uint64_t super6_sent() const { return super6_sent_; }        // super-packets the uplink took whole
  uint64_t super6_refused() const { return super6_refused_; }  // ... refused, segmented instead

 private:
  ssize_t write_ipv6(const uint8_t* hdr, std::span<const uint8_t> pkt);
  void send_later(std::span<const uint8_t> pkt);
  bool send_whole(const uint8_t* hdr, std::span<const uint8_t> pkt, const xlat::offload::VnetHdr& h);

  TunQueue& source_;
  const bool vnet_;
  TunQueue& tun_;
  const bool tun_vnet_;
  Ipv6Out& out6_;
  NdHandler* nd_;
  TunQueue* super6_;
  const size_t mtu6_;
  uint64_t nd_seen_ = 0;
  uint64_t super6_sent_ = 0;
  uint64_t super6_refused_ = 0;
  std::vector<uint8_t> gather_;  // writev pieces, made contiguous
  std::vector<uint8_t> segs_;    // an IPv6 super-packet, segmented
  std::vector<uint16_t> seglens_;
  std::vector<std::span<const uint8_t>> segspans_;
  std::vector<uint8_t> pending_;  // ordinary IPv6 packets waiting for flush(), back to back
  size_t pending_len_ = 0;
  std::vector<std::span<const uint8_t>> pending_spans_;
  uint64_t unsent_ = 0;
};

// One direction's translator: the RFC 7915 core with the CLAT mapping, counted as siit::Counters.
// Incoming, it also notes the lowest MTU of Packet Too Big messages from IPv6 routers between the
// CLAT and the PLAT (not from the PLAT prefix): the path to the PLAT itself is narrower than the
// uplink, so the daemon lowers the IPv4 route's MTU (issue 14, item 4).
//
// RFC 7915 §4.2 / §5.2: a fragmented ICMP message (a large ping) cannot be translated fragment by
// fragment, since its checksum covers the whole message (and, in ICMPv6, a pseudo-header with its
// length). The CLAT reassembles those, translates the whole message and fragments it again; every
// other fragment is translated as it comes (its transport header carries its length).
class ClatWorker final : public DataPlaneWorker {
 public:
  ClatWorker(const clat::Mapping& m, const xlat::Config& cfg, PublishedCounters& pub,
             std::atomic<uint32_t>* path_mtu = nullptr);
  void begin_batch() override;
  void translate(std::span<const uint8_t> in, xlat::Output& out) override;
  void publish() override { pub_.publish(counters_); }
  const siit::Counters& counters() const { return counters_; }

 private:
  void note_packet_too_big(std::span<const uint8_t> in);
  void translate_shared6(std::span<const uint8_t> in, xlat::Output& out);
  // An ICMP fragment: false when it was held (or dropped) and `out` says so; true with `in` now the
  // whole reassembled message.
  bool reassemble(std::span<const uint8_t>& in, uint8_t version, xlat::Output& out);

  clat::ClatMapper mapper_;
  nat64::Reassembler reassembler_;
  std::vector<uint8_t> whole_;
  uint64_t now_ms_ = 0;
  const xlat::Config cfg_;
  PublishedCounters& pub_;
  std::atomic<uint32_t>* path_mtu_;
  siit::Counters counters_;
};

// The two loops as threads, restarted with a new mapping when the address or the prefix changes;
// the counters add up over restarts.
class ClatPlane {
 public:
  // The references must outlive the plane. `tun_queue` / `uplink_rx` are read with poll() on their
  // fds `tun_fd` / `rx_fd`.
  struct Ports {
    TunQueue& tun_queue;
    int tun_fd;
    bool tun_vnet;
    bool tun_uso;  // the TUN takes UDP GSO (Tun::kUso4): incoming datagrams of a flow are coalesced
    TunQueue& uplink_rx;
    int rx_fd;
    Ipv6Out& tx;
    NdHandler* nd;
  };
  explicit ClatPlane(Ports p);
  ClatPlane(const ClatPlane&) = delete;
  ClatPlane& operator=(const ClatPlane&) = delete;
  ~ClatPlane() { stop(); }

  Status start(const clat::Mapping& m, const xlat::Config& cfg);
  void stop();  // idempotent
  bool running() const { return !threads_.empty(); }

  // Counters: worker 0 is "out" (IPv4 from the host), worker 1 "in" (IPv6 from the uplink).
  StatsSnapshot stats() const;
  // The lowest Packet Too Big MTU from a router towards the PLAT since the last take (0: none).
  uint32_t take_path_mtu() { return path_mtu_.exchange(0); }

 private:
  enum Dir : size_t { kOut = 0, kIn = 1 };
  void run(Dir d, ClatWorker& worker);

  Ports p_;
  xlat::Config cfg_;
  std::atomic<bool> stopping_{false};
  Fd stop_fd_;
  std::atomic<uint32_t> path_mtu_{0};
  PublishedCounters published_[2];
  PublishedIo published_io_[2];
  std::unique_ptr<ClatWorker> workers_[2];
  std::vector<std::thread> threads_;
  mutable std::mutex base_mu_;
  siit::Counters base_[2];  // of the loops stopped so far
  IoCounters base_io_[2];
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sixfour::io
