#include "io/fastpath/nat64_fast_path.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#ifdef SIXFOUR_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "io/fastpath/nat64_bpf.hpp"
#include "io/fastpath/tc_hook.hpp"
#include "nat64.skel.h"
#endif

namespace sixfour::io {

const std::vector<std::string>& nat64_fast_path_counter_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = fast_path_counter_names();
    v.insert(v.end(), {"no_session", "tcp_flags", "tcp_reported", "reports_full"});
    return v;
  }();
  return names;
}

#ifdef SIXFOUR_HAVE_BPF

nat64_config nat64_bpf_config(const nat64::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key) {
  nat64_config cfg{};
  cfg.enabled = 1;
  cfg.hop_change = s.xlat.hop_change;
  cfg.reset_tos = s.xlat.reset_tos ? 1 : 0;
  cfg.new_tos = s.xlat.new_tos;
  cfg.reset_tc = s.xlat.reset_traffic_class ? 1 : 0;
  cfg.mtu4 = s.xlat.mtu4;
  cfg.ident_key = ident_key;
  cfg.mtu6 = s.xlat.mtu6;
  cfg.lowest_mtu6 = s.xlat.lowest_ipv6_mtu;
  cfg.redirect_ifindex = redirect_ifindex;
  std::memcpy(cfg.prefix6, s.prefix.addr.b.data(), sizeof cfg.prefix6);  // its host bits are zero
  std::memcpy(cfg.prefix6_mask, ipv6_mask(s.prefix.len).b.data(), sizeof cfg.prefix6_mask);
  for (const auto& e : s.pool4) {
    const uint32_t first = e.prefix.addr.to_u32();
    const uint32_t last = first | ~ipv4_mask(e.prefix.len);
    cfg.pool4_first = cfg.pool4_last ? std::min(cfg.pool4_first, first) : first;
    cfg.pool4_last = std::max(cfg.pool4_last, last);
  }
  return cfg;
}

namespace {

void put_port(__be16& field, uint16_t port) {
  const uint8_t b[2] = {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port)};
  std::memcpy(&field, b, 2);
}

}  // namespace

Nat64Entries nat64_bpf_entries(const nat64::FastSession& s) {
  Nat64Entries e{};
  const bool icmp = s.proto == 58;
  std::memcpy(e.key6.src, s.addr6.b.data(), 16);
  std::memcpy(e.key6.dst, s.remote6.b.data(), 16);
  put_port(e.key6.sport, s.port6);
  put_port(e.key6.dport, icmp ? 0 : s.rport);
  e.key6.proto = s.proto;
  std::memcpy(e.val6.src, s.addr4.b.data(), 4);
  std::memcpy(e.val6.dst, s.remote4.b.data(), 4);
  put_port(e.val6.sport, s.port4);
  put_port(e.val6.dport, icmp ? 0 : s.rport);

  std::memcpy(e.key4.src, s.remote4.b.data(), 4);
  std::memcpy(e.key4.dst, s.addr4.b.data(), 4);
  put_port(e.key4.sport, icmp ? 0 : s.rport);
  put_port(e.key4.dport, s.port4);
  e.key4.proto = icmp ? 1 : s.proto;
  std::memcpy(e.val4.src, s.remote6.b.data(), 16);
  std::memcpy(e.val4.dst, s.addr6.b.data(), 16);
  put_port(e.val4.sport, icmp ? 0 : s.rport);
  put_port(e.val4.dport, s.port6);
  return e;
}

nat64::ReportedSegment nat64_reported_segment(const nat64_report& r) {
  nat64::ReportedSegment seg;
  std::memcpy(seg.addr6.b.data(), r.addr6, 16);
  std::memcpy(seg.remote4.b.data(), r.remote4, 4);
  uint8_t b[4];
  std::memcpy(b, &r.port6, 2);
  std::memcpy(b + 2, &r.rport, 2);
  seg.port6 = static_cast<uint16_t>(b[0] << 8 | b[1]);
  seg.rport = static_cast<uint16_t>(b[2] << 8 | b[3]);
  seg.seg = nat64::TcpSegment{r.from_v6 != 0, (r.flags & 0x02) != 0, (r.flags & 0x01) != 0, (r.flags & 0x04) != 0};
  return seg;
}

BpfSessionSink::BpfSessionSink(int map6_fd, int map4_fd, int reports_fd, uint32_t capacity, int publish_fd)
    : map6_(map6_fd), map4_(map4_fd), publish_fd_(publish_fd), capacity_(capacity) {
  if (reports_fd < 0) return;
  const auto one = [](void* ctx, void* data, size_t size) {
    auto* self = static_cast<BpfSessionSink*>(ctx);
    if (size < sizeof(nat64_report) || !self->draining_) return 0;
    nat64_report r;
    std::memcpy(&r, data, sizeof r);
    (*self->draining_)(nat64_reported_segment(r));
    return 0;
  };
  ring_ = ring_buffer__new(reports_fd, one, this, nullptr);
}

BpfSessionSink::~BpfSessionSink() { ring_buffer__free(ring_); }

namespace {

// The sink whose drain() runs on this thread: its withdrawals are deferred (nat64_bpf.hpp).
thread_local const BpfSessionSink* tl_draining = nullptr;

// Deletes `keys` from the map `fd` with as few batch calls as the missing keys allow (a batch stops
// at the first key it cannot delete); one by one where the kernel has no batch deletion. Returns
// how many were deleted.
template <class Key>
size_t delete_keys(int fd, std::vector<Key>& keys) {
  size_t deleted = 0, at = 0;
  while (at < keys.size()) {
    __u32 count = static_cast<__u32>(keys.size() - at);
    const int r = bpf_map_delete_batch(fd, &keys[at], &count, nullptr);
    if (r != 0 && errno == EINVAL) {  // no batch deletion here (before 5.6): count is not set
      for (; at < keys.size(); ++at)
        if (bpf_map_delete_elem(fd, &keys[at]) == 0) ++deleted;
      break;
    }
    deleted += count;
    at += count;
    if (r == 0) break;
    ++at;  // keys[at] could not be deleted: it was not there
  }
  keys.clear();
  return deleted;
}

}  // namespace

void BpfSessionSink::withdraw_deferred() {
  published_.fetch_sub(delete_keys(map6_, pending6_), std::memory_order_relaxed);
  delete_keys(map4_, pending4_);
}

void BpfSessionSink::publish(const nat64::FastSession& s) {
  Nat64Entries e = nat64_bpf_entries(s);  // not const: BPF_PROG_RUN writes the context back
  {
    // A withdrawal deferred before this publish (under the same shard lock, so in order) is made
    // first: it may be this very 5-tuple's, from the connection that used it before.
    std::lock_guard lock(pending_mu_);
    if (!pending6_.empty()) withdraw_deferred();
  }
  // Both directions or neither: a full map leaves the session to the daemon.
  if (publish_fd_ >= 0) {
    LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &e, .ctx_size_in = sizeof e);
    if (bpf_prog_test_run_opts(publish_fd_, &run) == 0 && run.retval == 0)
      published_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (bpf_map_update_elem(map6_, &e.key6, &e.val6, BPF_ANY) != 0) return;
  if (bpf_map_update_elem(map4_, &e.key4, &e.val4, BPF_ANY) != 0) {
    bpf_map_delete_elem(map6_, &e.key6);
    return;
  }
  published_.fetch_add(1, std::memory_order_relaxed);
}

void BpfSessionSink::withdraw(const nat64::FastSession& s) {
  const Nat64Entries e = nat64_bpf_entries(s);
  if (tl_draining == this) {
    std::lock_guard lock(pending_mu_);
    pending6_.push_back(e.key6);
    pending4_.push_back(e.key4);
    return;
  }
  if (bpf_map_delete_elem(map6_, &e.key6) == 0) published_.fetch_sub(1, std::memory_order_relaxed);
  bpf_map_delete_elem(map4_, &e.key4);
}

bool BpfSessionSink::room_for_early() const {
  return capacity_ == 0 || published_.load(std::memory_order_relaxed) < capacity_ / 2;
}

void BpfSessionSink::drain(const std::function<void(const nat64::ReportedSegment&)>& f) {
  if (!ring_) return;
  draining_ = &f;
  tl_draining = this;
  // Reads the mapped ring: no system call, nothing to wait for.
  ring_buffer__consume(ring_);
  tl_draining = nullptr;
  draining_ = nullptr;
  std::lock_guard lock(pending_mu_);
  if (!pending6_.empty()) withdraw_deferred();
}

std::optional<uint64_t> BpfSessionSink::idle_ms(const nat64::FastSession& s) {
  Nat64Entries e = nat64_bpf_entries(s);
  uint64_t last = 0;
  if (bpf_map_lookup_elem(map6_, &e.key6, &e.val6) == 0) last = e.val6.last_seen_ns;
  if (bpf_map_lookup_elem(map4_, &e.key4, &e.val4) == 0 && e.val4.last_seen_ns > last) last = e.val4.last_seen_ns;
  if (last == 0) return std::nullopt;
  // The program's clock: bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  const uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
  return now > last ? (now - last) / 1000000u : 0;
}

struct SkelDeleter {
  void operator()(nat64_bpf* s) const { nat64_bpf::destroy(s); }
};

struct Nat64FastPath::Impl {  // destroyed bottom-up: detached first, the programs last
  std::unique_ptr<nat64_bpf, SkelDeleter> skel;
  std::unique_ptr<BpfSessionSink> sink;
  TcHook hook;
  std::unique_ptr<nat64_bpf, SkelDeleter> uplink_skel;  // l2_len 14, at_ingress 1, skel's maps
  UplinkHooks uplinks;
};

namespace {

// Each published session takes one entry per map; without max_sessions, room for this many.
constexpr uint32_t kDefaultMapEntries = 1u << 18;

uint32_t random_key() {
  std::random_device rd;
  return static_cast<uint32_t>(rd());
}

// tc priority of `nat64_uplink` on a shared device: after siit's (0x5164), so both daemons can
// share an uplink.
constexpr uint32_t kUplinkPriority = 0x5165;

// The uplink program: a second instance of the object (Ethernet header, ingress) sharing every map
// of the TUN's (sessions, counters, configuration, Identification, uplinks), attached at the
// ingress of each Ethernet device but the TUN.
Status attach_uplinks(std::unique_ptr<nat64_bpf, SkelDeleter>& skel, const nat64_bpf& main, UplinkHooks& hooks,
                      int tun_ifindex) {
  if (auto st = UplinkHooks::load_instance(skel, main); !st) return st;
  return hooks.attach(bpf_program__fd(skel->progs.nat64_uplink), skel->maps.nat64_uplinks, skel->maps.nat64_route_gen,
                      tun_ifindex, kUplinkPriority);
}

}  // namespace

Result<std::unique_ptr<Nat64FastPath>> Nat64FastPath::attach(const nat64::Settings& s, int ifindex, bool uplinks) {
  libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
  auto impl = std::make_unique<Impl>();
  const uint32_t entries = s.max_sessions ? s.max_sessions : kDefaultMapEntries;
  // With `nat64_publish` where the kernel has BPF_PROG_TYPE_SYSCALL (5.14) and its verifier takes
  // it (sleepable, on maps allocated on update: 6.1), else without: two map updates a session.
  bool publish_prog = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, nullptr) == 1;
  for (;;) {
    impl->skel.reset(nat64_bpf::open());
    if (!impl->skel) return Error{libbpf_error("opening the eBPF program", errno)};
    impl->skel->rodata->l2_len = 0;  // the TUN has no link-layer header
    bpf_map__set_max_entries(impl->skel->maps.nat64_sessions6, entries);
    bpf_map__set_max_entries(impl->skel->maps.nat64_sessions4, entries);
    bpf_program__set_autoload(impl->skel->progs.nat64_publish, publish_prog);
    const int err = nat64_bpf::load(impl->skel.get());
    if (err == 0) break;
    if (!publish_prog) return Error{libbpf_error("loading the eBPF program", err)};
    publish_prog = false;
  }
  impl->sink = std::make_unique<BpfSessionSink>(bpf_map__fd(impl->skel->maps.nat64_sessions6),
                                                bpf_map__fd(impl->skel->maps.nat64_sessions4),
                                                bpf_map__fd(impl->skel->maps.nat64_reports), entries,
                                                publish_prog ? bpf_program__fd(impl->skel->progs.nat64_publish) : -1);
  nat64_config cfg = nat64_bpf_config(s, static_cast<uint32_t>(ifindex), random_key());
  // Without the mapped ring buffer the program leaves SYN, FIN and RST to the daemon.
  cfg.report_tcp = impl->sink->reports_tcp() ? 1 : 0;
  const uint32_t zero = 0;
  if (bpf_map__update_elem(impl->skel->maps.nat64_config, &zero, sizeof zero, &cfg, sizeof cfg, BPF_ANY) != 0)
    return Error{libbpf_error("configuring the eBPF program", errno)};
  if (auto st = impl->hook.attach(ifindex, bpf_program__fd(impl->skel->progs.nat64_tun)); !st) return Error{st.error()};
  if (uplinks) impl->uplinks.keep_or_forget(attach_uplinks(impl->uplink_skel, *impl->skel, impl->uplinks, ifindex));
  return std::unique_ptr<Nat64FastPath>(new Nat64FastPath(std::move(impl)));
}

nat64::SessionSink& Nat64FastPath::sink() { return *impl_->sink; }
std::string Nat64FastPath::where() const { return impl_->uplinks.where(); }

FastPathStats Nat64FastPath::stats() const {
  return impl_->uplinks.stats(impl_->skel->maps.nat64_counters, nat64_fast_path_counter_names());
}

#else  // built without the eBPF fast path

struct Nat64FastPath::Impl {};

Result<std::unique_ptr<Nat64FastPath>> Nat64FastPath::attach(const nat64::Settings&, int, bool) {
  return Error{"this sixfour was built without the eBPF fast path (SIXFOUR_BPF=OFF)"};
}

nat64::SessionSink& Nat64FastPath::sink() { __builtin_unreachable(); }
FastPathStats Nat64FastPath::stats() const { return {}; }
std::string Nat64FastPath::where() const { return ""; }

#endif

Nat64FastPath::Nat64FastPath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Nat64FastPath::~Nat64FastPath() = default;

}  // namespace sixfour::io
