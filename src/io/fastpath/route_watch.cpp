#ifdef SIXFOUR_HAVE_BPF
#include "io/fastpath/route_watch.hpp"

#include <bpf/bpf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/sys/errno_text.hpp"
#include "io/sys/netlink.hpp"
#include "siit.h" /* SIIT_ROUTE_GEN_OFF */

namespace sixfour::io {

namespace {

// Whether the `len` bytes of netlink messages at `data` hold a device's appearance, change or
// removal.
bool has_link_message(const uint8_t* data, size_t len) {
  bool found = false;
  for_each_message(data, len, [&](const nlmsghdr* h) {
    found = found || h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK;
  });
  return found;
}

}  // namespace

Result<std::unique_ptr<RouteWatch>> RouteWatch::start(int gen_map_fd, std::function<void()> on_links) {
  // Every group whose messages may change what bpf_fib_lookup() answers. Neighbour churn comes in
  // bursts; an overrun (ENOBUFS) is a change too, so a small buffer only costs a wake-up more.
  auto nl = rtnetlink_listener({RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                                RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, RTNLGRP_NEIGH,
                                RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF, RTNLGRP_NEXTHOP},
                               1 << 18);
  if (!nl) return Error{nl.error()};
  Fd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop) return Error{fmt::format("eventfd: {}", errno_text(errno))};
  std::unique_ptr<RouteWatch> w(
      new RouteWatch(std::move(nl.value()), std::move(stop), gen_map_fd, std::move(on_links)));
  // Subscribed first, so a change between the two is either seen or older than every cached hop.
  if (!w->write(1)) return Error{fmt::format("writing the routing generation: {}", errno_text(errno))};
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

RouteWatch::~RouteWatch() {
  const uint64_t one = 1;
  if (::write(stop_.get(), &one, sizeof one) < 0) spdlog::debug("route watch: eventfd: {}", errno_text(errno));
  if (thread_.joinable()) thread_.join();
  write(SIIT_ROUTE_GEN_OFF);
}

bool RouteWatch::write(uint32_t gen) {
  const uint32_t zero = 0;
  if (bpf_map_update_elem(map_fd_, &zero, &gen, BPF_ANY) != 0) return false;
  gen_.store(gen, std::memory_order_release);
  return true;
}

void RouteWatch::run() {
  std::vector<uint8_t> buf(16384);
  pollfd p[2] = {{nl_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;  // the privilege drop's signal, for one
      spdlog::warn("route watch: poll: {}; next-hop cache off", errno_text(errno));
      break;
    }
    if (p[1].revents) return;
    // Whatever came (a message, an overrun, an error) may have changed a route: read all of it, then
    // one new generation covers the lot.
    bool links = false;
    for (;;) {
      const ssize_t n = ::recv(nl_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n > 0) {
        links = links || has_link_message(buf.data(), static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == ENOBUFS) links = true;
      if (n < 0 && (errno == EINTR || errno == ENOBUFS)) continue;
      break;  // EAGAIN: all read
    }
    if (links && on_links_) on_links_();
    uint32_t next = gen_.load(std::memory_order_relaxed) + 1;
    if (next == SIIT_ROUTE_GEN_OFF) next = 1;
    if (!write(next)) {
      spdlog::warn("route watch: writing the routing generation: {}; next-hop cache off", errno_text(errno));
      break;
    }
  }
  write(SIIT_ROUTE_GEN_OFF);
}

}  // namespace sixfour::io

#endif
