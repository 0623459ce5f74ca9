// The CLAT's uplink plumbing (io/clat/uplink) on a real link: two network namespaces joined by a veth
// pair, documentation addresses only. Side A is the CLAT host (2001:db8:1::1 on va, the CLAT's own
// 2001:db8:1::c1a7 not assigned to the kernel), side B a neighbour (2001:db8:1::2 and ::d0 on vb).
// It checks that DAD sees an address the neighbour has and not a free one, that UplinkTx sends a
// non-local source with the hop limit untouched and refuses packets above the MTU, and that the
// neighbour resolves the CLAT address through our advertisement and reaches UplinkRx.
// Needs root and ip(8); skipped otherwise. Each test creates and deletes its own namespaces.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clat/neighbor_discovery.hpp"
#include "io/clat/uplink.hpp"
#include "xlat/offload.hpp"

using namespace sixfour;
using namespace sixfour::io;
using namespace std::chrono_literals;

namespace {

Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }
const Ipv6Addr kClat = v6("2001:db8:1::c1a7");
const Ipv6Addr kPeer = v6("2001:db8:1::2");
constexpr size_t kVnet = xlat::offload::kVnetHdrLen;

bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }
bool link_up(const std::string& ns, const std::string& dev) {
  return run("ip -n " + ns + " -o link show " + dev + " | grep -q 'state UP'");
}

// A UDP packet from `src` to `dst` with `hop_limit` and `payload_len` zero bytes of payload. The
// UDP checksum is left 0: only packet sockets look at these packets.
std::vector<uint8_t> udp_packet(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t hop_limit, size_t payload_len) {
  const size_t len = 8 + payload_len;
  std::vector<uint8_t> p(40 + len, 0);
  p[0] = 0x60;
  p[4] = static_cast<uint8_t>(len >> 8);
  p[5] = static_cast<uint8_t>(len);
  p[6] = 17;
  p[7] = hop_limit;
  std::copy(src.b.begin(), src.b.end(), p.begin() + 8);
  std::copy(dst.b.begin(), dst.b.end(), p.begin() + 24);
  p[40] = 0x12, p[41] = 0x34, p[42] = 0x56, p[43] = 0x78;  // ports
  p[44] = static_cast<uint8_t>(len >> 8);
  p[45] = static_cast<uint8_t>(len);
  return p;
}

// Reads from `rx` until `want` accepts a packet (the IPv6 packet, its virtio-net header) or `limit`
// passes; every packet is offered to `want`.
template <typename F>
bool read_until(UplinkRx& rx, std::chrono::milliseconds limit, F want) {
  std::vector<uint8_t> buf(70000);
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{rx.fd(), POLLIN, 0};
    ::poll(&p, 1, 50);
    for (ssize_t n; (n = rx.read(buf)) > static_cast<ssize_t>(kVnet);) {
      auto h = xlat::offload::parse(buf.data());
      if (want(std::span<const uint8_t>(buf).subspan(kVnet, static_cast<size_t>(n) - kVnet), h)) return true;
    }
  }
  return false;
}

class ClatUplinkNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || !run("ip -V")) GTEST_SKIP() << "needs root and ip(8)";
    const std::string id = std::to_string(::getpid());
    a_ = "sfnd-a-" + id;
    b_ = "sfnd-b-" + id;
    created_ = true;
    // accept_dad=0 before the veth exists: the kernel's own addresses are usable at once.
    const std::vector<std::string> cmds = {
        "ip netns add " + a_,
        "ip netns add " + b_,
        "ip netns exec " + a_ + " sysctl -qw net.ipv6.conf.default.accept_dad=0",
        "ip netns exec " + b_ + " sysctl -qw net.ipv6.conf.default.accept_dad=0",
        "ip -n " + a_ + " link add va type veth peer name vb netns " + b_,
        "ip -n " + a_ + " addr add 2001:db8:1::1/64 dev va",
        "ip -n " + b_ + " addr add 2001:db8:1::2/64 dev vb",
        "ip -n " + b_ + " addr add 2001:db8:1::d0/64 dev vb",
        "ip -n " + a_ + " link set va up",
        "ip -n " + b_ + " link set vb up",
    };
    for (const auto& c : cmds) ASSERT_TRUE(run(c)) << c;
    // Until the kernel's link watcher has seen the carrier, the qdisc drops what is sent.
    for (int i = 0; i < 150 && !(link_up(a_, "va") && link_up(b_, "vb")); ++i) std::this_thread::sleep_for(20ms);
    in_netns(a_, [&] { ifindex_a_ = static_cast<int>(::if_nametoindex("va")); });
    in_netns(b_, [&] { ifindex_b_ = static_cast<int>(::if_nametoindex("vb")); });
    ASSERT_GT(ifindex_a_, 0);
    ASSERT_GT(ifindex_b_, 0);
  }
  void TearDown() override {
    if (!created_) return;
    run("ip netns del " + a_);
    run("ip netns del " + b_);
  }

  // Runs `f` on a thread that entered namespace `ns`: sockets it opens belong to that namespace
  // and stay usable from any thread afterwards.
  template <typename F>
  void in_netns(const std::string& ns, F f) {
    std::thread t([&] {
      const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::setns(fd, CLONE_NEWNET), 0);
      ::close(fd);
      f();
    });
    t.join();
  }

  std::string a_, b_;
  bool created_ = false;
  int ifindex_a_ = 0, ifindex_b_ = 0;
};

}  // namespace

TEST_F(ClatUplinkNetns, DadSeesTheNeighboursAddressOnly) {
  in_netns(a_, [&] {
    auto taken = run_dad(ifindex_a_, v6("2001:db8:1::d0"), 300ms);
    ASSERT_TRUE(taken.ok()) << taken.error();
    EXPECT_TRUE(*taken);
    auto free_one = run_dad(ifindex_a_, kClat, 300ms);
    ASSERT_TRUE(free_one.ok()) << free_one.error();
    EXPECT_FALSE(*free_one);
  });
}

TEST_F(ClatUplinkNetns, RouterSolicitationFromTheLinkLocalAddress) {
  std::optional<UplinkRx> rx_b;  // B listens to all routers, as a router would
  in_netns(b_, [&] {
    auto rx = UplinkRx::open(ifindex_b_);
    ASSERT_TRUE(rx.ok()) << rx.error();
    ASSERT_TRUE(rx.value().set_address(clat::kAllRouters).ok());
    rx_b.emplace(std::move(rx).value());
  });
  ASSERT_TRUE(rx_b);
  clat::Mac mac{};
  in_netns(a_, [&] {
    auto m = interface_mac(ifindex_a_);
    ASSERT_TRUE(m.ok()) << m.error();
    mac = *m;
    auto st = send_router_solicitation(ifindex_a_, mac);
    EXPECT_TRUE(st.ok()) << st.error();
  });
  EXPECT_TRUE(read_until(*rx_b, 2s, [&](std::span<const uint8_t> p, const auto&) {
    if (p.size() != clat::kRouterSolicitationSize || p[6] != 58 || p[40] != 133) return false;
    EXPECT_EQ(p[8], 0xfe);  // from A's link-local address
    EXPECT_EQ(p[9] & 0xc0, 0x80);
    EXPECT_TRUE(std::equal(mac.begin(), mac.end(), p.begin() + 50));  // the SLLA option
    return true;
  }));
}

TEST_F(ClatUplinkNetns, TxKeepsSourceAndHopLimitAndRefusesAboveMtu) {
  std::optional<UplinkRx> rx_b;
  in_netns(b_, [&] {
    auto rx = UplinkRx::open(ifindex_b_);
    ASSERT_TRUE(rx.ok()) << rx.error();
    ASSERT_TRUE(rx.value().set_address(kPeer).ok());
    rx_b.emplace(std::move(rx).value());
  });
  ASSERT_TRUE(rx_b);
  std::optional<UplinkTx> tx;
  in_netns(a_, [&] {
    auto t = UplinkTx::open(ifindex_a_);
    ASSERT_TRUE(t.ok()) << t.error();
    tx.emplace(std::move(t).value());
  });
  ASSERT_TRUE(tx);
  // To all nodes first (link scope: sent on the uplink), which B's filter must keep out.
  const auto to_all = udp_packet(kClat, clat::kAllNodes, 1, 5);
  ASSERT_EQ(tx->send(to_all), static_cast<ssize_t>(to_all.size()));
  const auto pkt = udp_packet(kClat, kPeer, 7, 5);
  ASSERT_EQ(tx->send(pkt), static_cast<ssize_t>(pkt.size()));
  EXPECT_TRUE(read_until(*rx_b, 2s, [&](std::span<const uint8_t> p, const auto&) {
    EXPECT_FALSE(p.size() == to_all.size() && std::equal(p.begin(), p.end(), to_all.begin())) << "filter";
    // Source as written (not an address of A's kernel), hop limit 7 as written: local output.
    return p.size() == pkt.size() && std::equal(p.begin(), p.end(), pkt.begin());
  }));

  // veth's MTU is 1500: a full-size packet goes, one byte more is refused, never fragmented.
  const auto full = udp_packet(kClat, kPeer, 64, 1500 - 48);
  const auto big = udp_packet(kClat, kPeer, 64, 1500 - 47);
  EXPECT_EQ(tx->send(full), 1500);
  EXPECT_EQ(tx->send(big), -1);
  EXPECT_EQ(errno, EMSGSIZE);
  // A batch stops at the refused packet: one went out, packets[1] is the one errno is about.
  const std::vector<std::span<const uint8_t>> batch = {pkt, big, pkt};
  EXPECT_EQ(tx->send_batch(batch), 1u);
  EXPECT_EQ(errno, EMSGSIZE);
  const std::vector<std::span<const uint8_t>> good = {pkt, full, pkt};
  EXPECT_EQ(tx->send_batch(good), 3u);
  int seen = 0;
  read_until(*rx_b, 1s, [&](std::span<const uint8_t> p, const auto&) {
    if (p.size() > 40 && p[6] == 17) ++seen;  // not the NS/NA the filter lets through as well
    return seen == 5;
  });
  EXPECT_EQ(seen, 5);  // full, the batch's first, and the three of the second batch
}

TEST_F(ClatUplinkNetns, NeighbourResolvesUsAndReachesRx) {
  std::optional<UplinkRx> rx;
  std::optional<UplinkTx> tx;
  std::optional<SolicitedNodeGroup> group;
  clat::Mac mac{};
  in_netns(a_, [&] {
    auto r = UplinkRx::open(ifindex_a_);
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_TRUE(r.value().set_address(kClat).ok());
    rx.emplace(std::move(r).value());
    auto t = UplinkTx::open(ifindex_a_);
    ASSERT_TRUE(t.ok()) << t.error();
    tx.emplace(std::move(t).value());
    auto g = SolicitedNodeGroup::join(ifindex_a_, kClat);
    ASSERT_TRUE(g.ok()) << g.error();
    group.emplace(std::move(g).value());
    EXPECT_EQ(group->group(), v6("ff02::1:ff00:c1a7"));
    auto m = interface_mac(ifindex_a_);
    ASSERT_TRUE(m.ok()) << m.error();
    mac = *m;
  });
  ASSERT_TRUE(rx && tx && group);
  in_netns(b_, [&] {
    const int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(5555);
    std::copy(kClat.b.begin(), kClat.b.end(), to.sin6_addr.s6_addr);
    EXPECT_EQ(::sendto(s, "ping", 4, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 4);
    ::close(s);
  });
  int answered = 0;
  const bool got = read_until(*rx, 3s, [&](std::span<const uint8_t> p, const xlat::offload::VnetHdr& h) {
    if (auto m = clat::parse_nd(p)) {
      std::array<uint8_t, clat::kNeighborAdvertisementSize> na;
      if (auto n = clat::answer_solicitation(*m, kClat, mac, na)) {
        EXPECT_EQ(tx->send(std::span(na).first(*n)), static_cast<ssize_t>(*n));
        ++answered;
      }
      return false;
    }
    if (p.size() < 52 || p[6] != 17 || std::memcmp(p.data() + 24, kClat.b.data(), 16) != 0) return false;
    EXPECT_EQ(std::string(p.begin() + 48, p.end()), "ping");
    // A partial checksum's offsets count from the IPv6 header, as on a TUN.
    if (h.flags & xlat::offload::kFlagNeedsCsum) {
      EXPECT_EQ(h.csum_start, 40);
      EXPECT_EQ(h.csum_offset, 6);
    }
    return true;
  });
  EXPECT_TRUE(got);
  EXPECT_GE(answered, 1);
}
