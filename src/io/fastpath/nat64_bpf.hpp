// The BPF side of the stateful fast path (only where it is built): the configuration element of
// src/bpf/nat64.bpf.c made from nat64::Settings, and the session publisher writing its two hash
// maps. Shared by the loader (nat64_fast_path.cpp) and the BPF_PROG_TEST_RUN tests.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "nat64.h"
#include "nat64/session_sink.hpp"
#include "nat64/settings.hpp"

struct ring_buffer;  // libbpf's

namespace sixfour::io {

// `redirect_ifindex` 0 = return SIIT_VERDICT_HIT (tests), else redirect a hit into that device's
// ingress; `ident_key` keys the Identification generator.
nat64_config nat64_bpf_config(const nat64::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key);

// The map entries of a session: what a packet from the IPv6 side (key6) and one from the IPv4 side
// (key4) are matched with, and what they leave with; as they are, the context `nat64_publish` takes.
using Nat64Entries = nat64_publish;
Nat64Entries nat64_bpf_entries(const nat64::FastSession& s);

// A report of the program's ring buffer as the State takes it.
nat64::ReportedSegment nat64_reported_segment(const nat64_report& r);

// Writes the program's `nat64_sessions6` and `nat64_sessions4` maps (file descriptors, not owned).
// A session the maps have no room for stays on the slow path. With the `nat64_reports` ring buffer
// (`reports_fd`; -1: none) the program's configuration must have report_tcp set: the sink then
// reports_tcp() and drains it; `capacity` is the session maps' size (for room_for_early()).
// `publish_fd`, the object's `nat64_publish` program (-1: none, where the kernel has no
// BPF_PROG_TYPE_SYSCALL), writes a session's two entries in one system call.
//
// A withdrawal made while draining (a connection's both FINs or its RST, reported) is deferred to
// the end of drain() and made there with one batch deletion per map, outside the table's shard
// locks: one connection otherwise costs two delete system calls under a shard lock the workers
// wait on. A publish() first makes the deferred withdrawals, so a 5-tuple reused at once is never
// deleted after it was published again. Every other withdrawal (expiry, before the pool4 port can
// be reused; the daemon's own FIN or RST) is made at once.
class BpfSessionSink final : public nat64::SessionSink {
 public:
  BpfSessionSink(int map6_fd, int map4_fd, int reports_fd = -1, uint32_t capacity = 0, int publish_fd = -1);
  ~BpfSessionSink() override;
  void publish(const nat64::FastSession& s) override;
  void withdraw(const nat64::FastSession& s) override;
  std::optional<uint64_t> idle_ms(const nat64::FastSession& s) override;
  // False if the ring buffer could not be mapped (errno set): then the sink reports nothing.
  bool reports_tcp() const override { return ring_ != nullptr; }
  bool room_for_early() const override;
  void drain(const std::function<void(const nat64::ReportedSegment&)>& f) override;

 private:
  void withdraw_deferred();  // pending_mu_ held

  int map6_, map4_, publish_fd_;
  uint32_t capacity_;
  std::atomic<uint64_t> published_{0};  // sessions in the maps (both directions)
  ::ring_buffer* ring_ = nullptr;
  const std::function<void(const nat64::ReportedSegment&)>* draining_ = nullptr;
  std::mutex pending_mu_;  // held while the deferred withdrawals are made
  std::vector<nat64_key6> pending6_;
  std::vector<nat64_key4> pending4_;
};

}  // namespace sixfour::io
