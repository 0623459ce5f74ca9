// The TUN data plane both translators (`sixfour siit`, `sixfour nat64`) run: one worker thread per
// TUN queue, each reading a batch of packets per wake-up into preallocated buffers, handing each to
// its own translator, and writing what comes out back to the same queue (the kernel routes it).
//
// With the virtio-net header (Tun::vnet_hdr(), xlat/offload.hpp) every packet read is classified
// first: a GSO super-packet that fits the next hop as is is translated once and written back as a
// super-packet with a translated header (the kernel, or the receiving host, segments it); one that
// does not is segmented here and each segment translated on its own (so ICMP errors, PMTUD and
// fragmentation behave exactly as without offloads); a partial checksum is completed first. No
// allocation per packet.
//
// DataPlane::run() is only the loop: poll, read a batch, publish the counters. What happens to each
// packet is packet_path.hpp's PacketPath (classify, translate, segment) and Writer (virtio-net
// headers, UDP trains, the fallback when the kernel refuses one), both on the TunQueue interface
// (tun_queue.hpp) that unit tests fake.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/netlink.hpp"
#include "io/dataplane/packet_path.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"
#include "xlat/config.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::io {

class DataPlane {
 public:
  // What a daemon plugs in: one per worker thread (io/dataplane/packet_path.hpp).
  using Worker = DataPlaneWorker;

  // `tun` must outlive the data plane; `xlat` gives the MTUs offload::classify() checks against.
  DataPlane(const Tun& tun, const xlat::Config& xlat);
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;
  ~DataPlane() { stop(); }

  // Starts one thread per TUN queue, worker i on queue i (workers.size() must be tun.queues()).
  // A worker whose queue fails raises SIGTERM, so the daemon's signal wait also covers it.
  Status start(std::vector<std::unique_ptr<Worker>> workers);
  // Before start(): worker q then runs pinned to CPU cpus[q] (CPU-local steering, tun_steering.hpp).
  void pin_workers(std::vector<int> cpus) { cpus_ = std::move(cpus); }
  void stop();  // wakes every worker and joins them (idempotent)

  // Safe from any thread while the workers run.
  std::vector<IoCounters> io() const;
  uint64_t uptime_seconds() const;
  const Tun& tun() const { return tun_; }

 private:
  void run(size_t queue, Worker& worker);

  const Tun& tun_;
  xlat::Config xlat_;
  std::atomic<bool> stopping_{false};
  Fd stop_fd_;  // eventfd: readable once stop() is called
  std::unique_ptr<PublishedIo[]> published_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::vector<int> cpus_;  // pin_workers()
  std::chrono::steady_clock::time_point started_;
};

// The number of worker threads (= TUN queues) used when none is configured: one per online CPU.
unsigned default_workers();

// What both daemons set up before translating: the TUN device with `queues` queues (offloads if
// asked), its MTU, the link up, and the netlink socket that then adds and removes the routes.
struct TranslatorLink {
  Tun tun;
  Netlink nl;
  int ifindex = 0;
};
Result<TranslatorLink> open_translator_link(const std::string& name, unsigned queues, bool offload, unsigned mtu);

}  // namespace sixfour::io
