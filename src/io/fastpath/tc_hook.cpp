#ifdef SIXFOUR_HAVE_BPF
#include "io/fastpath/tc_hook.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/sys/errno_text.hpp"
#include "io/sys/fd.hpp"
#include "siit.h" /* SIIT_UPLINKS_MAX */

namespace sixfour::io {

std::string libbpf_error(const char* what, int err) {
  return fmt::format("{}: {}", what, errno_text(err < 0 ? -err : err));
}

namespace {

bpf_tc_opts filter_opts(int prog_fd, uint32_t flags, uint32_t priority) {
  bpf_tc_opts opts{};
  opts.sz = sizeof opts;
  opts.handle = 1;
  opts.priority = priority;
  opts.prog_fd = prog_fd;
  opts.flags = flags;
  return opts;
}

// The Ethernet devices of this network namespace but `except` (ifindex, name).
std::vector<std::pair<int, std::string>> ethernet_devices(int except) {
  std::vector<std::pair<int, std::string>> out;
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct if_nameindex* all = ::if_nameindex();
  if (!all || !sock) return out;
  for (struct if_nameindex* i = all; i->if_index != 0; ++i) {
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
    if (static_cast<int>(i->if_index) != except && ::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) == 0 &&
        ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
      out.emplace_back(static_cast<int>(i->if_index), i->if_name);
  }
  ::if_freenameindex(all);
  return out;
}

}  // namespace

Status UplinkHooks::share_maps(bpf_object* uplink, const bpf_object* main) {
  bpf_map* m = nullptr;
  bpf_object__for_each_map(m, uplink) {
    if (bpf_map__is_internal(m)) continue;
    const bpf_map* theirs = bpf_object__find_map_by_name(main, bpf_map__name(m));
    int err = theirs ? bpf_map__reuse_fd(m, bpf_map__fd(theirs)) : -ENOENT;
    if (err) return Error{libbpf_error("sharing the maps with the uplink program", err)};
  }
  return Ok{};
}

Status UplinkHooks::attach(int prog_fd, bpf_map* uplinks, bpf_map* route_gen, int tun_ifindex, uint32_t priority) {
  prog_fd_ = prog_fd;
  uplinks_ = uplinks;
  tun_ifindex_ = tun_ifindex;
  priority_ = priority;
  follow_devices(false);
  {
    const std::lock_guard lock(mu_);
    if (hooked_.empty()) return Error{"no Ethernet device took the uplink program"};
  }
  auto w = RouteWatch::start(bpf_map__fd(route_gen), [this] { follow_devices(true); });
  if (w)
    watch_ = std::move(w.value());
  else
    spdlog::warn("fast path: next-hop cache off, no uplink program on devices that come later: {}", w.error());
  return Ok{};
}

void UplinkHooks::follow_devices(bool log) {
  const auto devices = ethernet_devices(tun_ifindex_);
  const auto present = [&](int ifindex) {
    return std::any_of(devices.begin(), devices.end(), [&](const auto& d) { return d.first == ifindex; });
  };
  const std::lock_guard lock(mu_);
  std::erase_if(hooked_, [&](const Hooked& h) {
    if (present(h.ifindex)) return false;
    if (log) spdlog::info("fast path: {} gone from the uplinks", h.name);
    return true;
  });
  for (const auto& [ifindex, name] : devices) {
    auto known = std::find_if(hooked_.begin(), hooked_.end(), [&](const Hooked& h) { return h.ifindex == ifindex; });
    if (known != hooked_.end()) {
      known->name = name;  // renamed, perhaps
      continue;
    }
    if (hooked_.size() >= SIIT_UPLINKS_MAX) break;
    auto hook = std::make_unique<TcHook>();
    if (auto st = hook->attach(ifindex, prog_fd_, {true, priority_, false}); !st) {
      if (log) spdlog::warn("fast path: {} not among the uplinks: {}", name, st.error());
      continue;
    }
    if (log) spdlog::info("fast path: {} added to the uplinks", name);
    hooked_.push_back({ifindex, name, std::move(hook)});
  }
  // The program scans the array up to its first 0 (src/bpf/xlat.h, is_uplink()): the devices in
  // use first, then the slots they no longer fill zeroed. A packet that meets the array halfway
  // takes the TUN path at worst.
  uint32_t slot = 0;
  for (const Hooked& h : hooked_) {
    const uint32_t value = static_cast<uint32_t>(h.ifindex);
    bpf_map__update_elem(uplinks_, &slot, sizeof slot, &value, sizeof value, BPF_ANY);
    ++slot;
  }
  const uint32_t none = 0;
  for (uint32_t i = slot; i < slots_; ++i) bpf_map__update_elem(uplinks_, &i, sizeof i, &none, sizeof none, BPF_ANY);
  slots_ = slot;
}

void UplinkHooks::keep_or_forget(const Status& st) {
  if (st) return;
  watch_.reset();
  const std::lock_guard lock(mu_);
  error_ = st.error();
  hooked_.clear();
}

std::string UplinkHooks::where() const {
  const std::lock_guard lock(mu_);
  if (hooked_.empty()) return error_.empty() ? "" : "TUN only: " + error_;
  std::string out = "uplinks";
  for (const Hooked& h : hooked_) out += (out == "uplinks" ? " " : ", ") + h.name;
  return out;
}

FastPathStats UplinkHooks::stats(const bpf_map* counters, const std::vector<std::string>& counter_names) const {
  FastPathStats st;
  st.on = true;
  {
    const std::lock_guard lock(mu_);
    for (const Hooked& h : hooked_) st.uplinks.push_back(h.name);
  }
  st.counters = sum_per_cpu(counters, counter_names);
  return st;
}

std::vector<std::pair<std::string, uint64_t>> sum_per_cpu(const bpf_map* map, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, uint64_t>> out;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(libbpf_num_possible_cpus()));
  for (uint32_t i = 0; i < names.size(); ++i) {
    uint64_t sum = 0;
    if (bpf_map__lookup_elem(map, &i, sizeof i, per_cpu.data(), per_cpu.size() * 8, 0) == 0)
      for (uint64_t v : per_cpu) sum += v;
    out.emplace_back(names[i], sum);
  }
  return out;
}

Status TcHook::attach(int ifindex, int prog_fd, TcPlace place) {
  place_ = place;
  hook_.sz = sizeof hook_;
  hook_.ifindex = ifindex;
  hook_.attach_point = place.ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  int err = bpf_tc_hook_create(&hook_);
  if (err && err != -EEXIST) return Error{libbpf_error("adding the clsact qdisc", err)};
  created_qdisc_ = err == 0;
  bpf_tc_opts opts = filter_opts(prog_fd, BPF_TC_F_REPLACE, place.priority);
  if ((err = bpf_tc_attach(&hook_, &opts)) != 0) return Error{libbpf_error("attaching the eBPF program", err)};
  attached_ = true;
  return Ok{};
}

TcHook::~TcHook() {
  if (attached_) {
    bpf_tc_opts opts = filter_opts(0, 0, place_.priority);
    bpf_tc_detach(&hook_, &opts);
  }
  if (created_qdisc_ && place_.own_qdisc) {
    hook_.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&hook_);
  }
}

}  // namespace sixfour::io

#endif
