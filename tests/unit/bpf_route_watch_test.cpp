// RouteWatch (src/io/fastpath/route_watch): the routing generation it writes into the fast path's
// map is 1 once it listens, goes up at a change in the network namespace (here the loopback
// device brought up in a namespace of the test's own), and is 0 (the next-hop cache off) once it
// stops; a device's change (that one) also runs its owner's callback (UplinkHooks follows the
// devices with it). Built only with SIXFOUR_BPF; skipped unless root.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "io/fastpath/route_watch.hpp"
#include "io/sys/fd.hpp"
#include "siit.h"

namespace {

using sixfour::io::Fd;
using sixfour::io::RouteWatch;

uint32_t read_gen(int map_fd) {
  const uint32_t zero = 0;
  uint32_t gen = 0xffffffff;
  EXPECT_EQ(bpf_map_lookup_elem(map_fd, &zero, &gen), 0);
  return gen;
}

TEST(BpfRouteWatch, GenerationFollowsTheNamespacesChangesAndIsOffAfterIt) {
  if (geteuid() != 0) GTEST_SKIP() << "a network namespace and a BPF map need root";
  Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "route_gen", 4, 4, 1, nullptr));
  if (!map) GTEST_SKIP() << "no BPF map here: " << std::strerror(errno);
  // A thread of its own in a namespace of its own: the watch's socket is the namespace's, and the
  // namespace goes away with the thread.
  std::thread t([&] {
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    std::atomic<int> link_batches{0};
    auto started = RouteWatch::start(map.get(), [&] { link_batches.fetch_add(1); });
    ASSERT_TRUE(started) << started.error();
    std::unique_ptr<RouteWatch> w = std::move(started.value());
    EXPECT_EQ(read_gen(map.get()), 1u);
    EXPECT_EQ(w->generation(), 1u);

    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(sock);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    ASSERT_EQ(::ioctl(sock.get(), SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ASSERT_EQ(::ioctl(sock.get(), SIOCSIFFLAGS, &ifr), 0);  // RTM_NEWLINK, addresses, routes

    // Waiting for the watch's thread to read the messages (not a timing bar: 10 s to get there).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (w->generation() < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const uint32_t gen = w->generation();
    EXPECT_GE(gen, 2u) << "no new generation after the loopback came up";
    EXPECT_EQ(read_gen(map.get()), gen);
    // Run before the batch's generation is written, so done by now.
    EXPECT_GE(link_batches.load(), 1) << "the callback did not run for the loopback's RTM_NEWLINK";

    w.reset();
    EXPECT_EQ(read_gen(map.get()), uint32_t{SIIT_ROUTE_GEN_OFF});
  });
  t.join();
}

}  // namespace
