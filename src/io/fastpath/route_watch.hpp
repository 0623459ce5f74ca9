// Keeps the uplink instance's next-hop cache (src/bpf/xlat.h, next_hop()) exact: a thread listens
// to the network namespace's rtnetlink groups that can change a forwarding decision (links,
// addresses, routes, rules, next-hop objects, neighbours, the forwarding sysctls) and bumps the
// program's routing generation at every message, which makes each cached next hop stale at once.
// The generation is SIIT_ROUTE_GEN_OFF (no cache) until the subscriptions are in place, and again
// after the watch stops. It also tells its owner when a device came, changed or went
// (UplinkHooks: the uplink program follows the devices). Only where the eBPF fast path is built.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "common/result.hpp"
#include "io/sys/fd.hpp"

namespace sixfour::io {

class RouteWatch {
 public:
  // Subscribes, writes the first generation into `gen_map_fd` (an array of one __u32) and starts
  // the thread. `on_links`, if any, runs on that thread after each batch of messages in which a
  // device appeared, changed or went (or that overran the socket, which may have hidden one),
  // before the batch's new generation is written.
  static Result<std::unique_ptr<RouteWatch>> start(int gen_map_fd, std::function<void()> on_links = {});
  RouteWatch(const RouteWatch&) = delete;
  RouteWatch& operator=(const RouteWatch&) = delete;
  ~RouteWatch();  // stops the thread, then turns the cache off

  // The generation last written (tests).
  uint32_t generation() const { return gen_.load(std::memory_order_acquire); }

 private:
  RouteWatch(Fd nl, Fd stop, int gen_map_fd, std::function<void()> on_links)
      : nl_(std::move(nl)), stop_(std::move(stop)), map_fd_(gen_map_fd), on_links_(std::move(on_links)) {}
  void run();
  bool write(uint32_t gen);

  Fd nl_, stop_;
  int map_fd_;
  std::function<void()> on_links_;
  std::atomic<uint32_t> gen_{0};
  std::thread thread_;
};

}  // namespace sixfour::io
