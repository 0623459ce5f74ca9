// What a data plane worker does with the packets of one TUN queue, apart from waiting for them
// (io/dataplane/data_plane.hpp runs the poll loop): a PacketPath reads a batch, classifies each
// packet by its virtio-net header (plain / finish the checksum / translate a super-packet whole /
// segment it first / drop), has the worker's translator translate it, and hands what comes out to
// a Writer, which writes each packet with its virtio-net header and coalesces translated UDP
// datagrams of one flow into UDP GSO trains (xlat/udp_coalescer.hpp).
//
// Both work on a TunQueue (tun_queue.hpp), so a unit test drives them with a fake queue. All
// buffers are allocated once, in the constructors: nothing is allocated per packet.
#pragma once
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "io/dataplane/stats.hpp"
#include "io/dataplane/tun_queue.hpp"
#include "xlat/config.hpp"
#include "xlat/offload.hpp"
#include "xlat/udp_coalescer.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::io {

// What a daemon plugs into the data plane: one per worker thread, used only by that thread.
class DataPlaneWorker {
 public:
  virtual ~DataPlaneWorker() = default;
  // Once per wake-up, before the batch (the NAT64 reads its clock here).
  virtual void begin_batch() {}
  // One packet (IPv4 or IPv6 by its version nibble) into `out`, as siit::Translator::translate.
  virtual void translate(std::span<const uint8_t> in, xlat::Output& out) = 0;
  // Copies the translator's counters where readers find them; after every batch and at exit.
  virtual void publish() = 0;
};

// Writes packets to one TUN queue. Every packet handed to it lies in a buffer with
// offload::kVnetHdrLen writable bytes before it (headroom, or the end of the packet written before),
// where its virtio-net header goes: one write() sends header and packet (a writev with two pieces
// costs the kernel measurably more per small packet).
class Writer {
 public:
  // `vnet`: the queue carries virtio-net headers. `uso`: the kernel accepted UDP_L4 GSO
  // (Tun::kUso4 / kUso6, Linux 6.2+): translated UDP datagrams of one flow then leave as one UDP GSO
  // super-packet. `worker` only names the worker in the log.
  Writer(TunQueue& queue, bool vnet, bool uso, IoCounters& io, size_t worker);

  // An ordinary packet (complete checksum, no GSO): joins the UDP train if it can, else goes out
  // after the train.
  void send(std::span<uint8_t> pkt);
  // One packet with the virtio-net header `hdr` (kVnetHdrLen bytes; unused without vnet). It does
  // not flush the train: the caller has.
  void write_one(const uint8_t* hdr, std::span<uint8_t> pkt);
  // A translated super-packet with its header `h`: its first bytes in `head` (with headroom), the
  // rest (`tail`, possibly empty) still where it was read. The caller has flushed the train.
  void write_super(const xlat::offload::VnetHdr& h, std::span<uint8_t> head, std::span<const uint8_t> tail);
  // Writes the UDP train, if any: one datagram as an ordinary packet, more as one super-packet. A
  // kernel that still refuses the super-packet (EINVAL) turns coalescing off for this writer; the
  // refused train is then sent datagram by datagram.
  void flush();

  bool coalescing() const { return coalesce_; }

 private:
  void send_one_by_one(std::span<const uint8_t> train, const xlat::offload::VnetHdr& h, size_t count);

  TunQueue& queue_;
  const bool vnet_;
  bool coalesce_;
  IoCounters& io_;
  const size_t worker_;
  std::optional<xlat::offload::UdpCoalescer> train_;
};

class PacketPath {
 public:
  // Packets handled per wake-up before counters are published and poll() is called again.
  static constexpr int kBatch = 64;

  // `cfg` gives the MTUs offload::classify() checks against. All references must outlive this.
  PacketPath(DataPlaneWorker& worker, const xlat::Config& cfg, bool vnet, Writer& writer, IoCounters& io);

  // Reads up to kBatch packets from `queue` (until it has none: EAGAIN), handles each, then flushes
  // the writer. Returns the number read. A template so that the real queue's reads are direct calls.
  template <class Queue>
  int read_batch(Queue& queue) {
    int i = 0;
    for (; i < kBatch; ++i) {
      const ssize_t n = queue.read(in_);
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) ++io_.read_errors;
        break;
      }
      handle(in_.first(static_cast<size_t>(n)));
    }
    writer_.flush();
    return i;
  }

  // One packet as read (after its virtio-net header when the queue has them).
  void handle(std::span<uint8_t> read);

 private:
  void translate_plain(std::span<const uint8_t> pkt);
  void translate_super(std::span<const uint8_t> pkt, const xlat::offload::VnetHdr& h);
  void segment_and_translate(std::span<const uint8_t> pkt, const xlat::offload::VnetHdr& h);

  DataPlaneWorker& worker_;
  const xlat::Config& cfg_;
  const bool vnet_;
  Writer& writer_;
  IoCounters& io_;
  std::vector<uint8_t> inmem_;
  std::span<uint8_t> in_;
  std::vector<uint8_t> outmem_;  // kVnetHdrLen headroom, then outbuf_
  std::span<uint8_t> outbuf_;
  std::vector<uint8_t> segbuf_;  // only the offload paths segment
  std::vector<uint16_t> seglens_;
  xlat::Output out_;
};

}  // namespace sixfour::io
