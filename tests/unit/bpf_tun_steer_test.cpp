// The TUN steering program (src/bpf/tun_steer.bpf.c), run with BPF_PROG_TEST_RUN on both
// directions of flows: a packet and the reply to its translation must give the same queue (return
// value modulo the number of queues), and distinct flows must spread over the queues. The NAT64 shape
// goes through the real nat64::Translator (the reply is addressed to the pool4 port it allocated),
// and the program's shard is compared with nat64::shard6 and Pool4::shard_of. Built only with
// SIXFOUR_BPF; skipped unless root and BPF loads.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <set>

#include "io/sys/tun_steering.hpp"
#include "nat64/pool4.hpp"
#include "nat64_fixture.hpp"
#include "tun_steer.h"
#include "tun_steer.skel.h"

using namespace nat64test;

namespace {

struct SkelDeleter {
  void operator()(tun_steer_bpf* s) const { tun_steer_bpf::destroy(s); }
};

constexpr const char* kHost6 = "2001:db8:64::c633:6405";  // siit: 198.51.100.5
constexpr const char* kHost4 = "198.51.100.5";
constexpr const char* kPeer6 = "2001:db8:64::cb00:7107";  // siit: 203.0.113.7
constexpr const char* kPeer4 = "203.0.113.7";

class BpfTunSteer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "BPF_PROG_TEST_RUN needs root";
    libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
    load(TUN_STEER_PORTS, 0, 1);
    if (!skel_) GTEST_SKIP() << "the BPF program does not load here: " << std::strerror(errno);
  }

  void load(uint32_t mode, uint64_t seed6, unsigned shards) {
    io::TunSteering how;
    how.kind = mode == TUN_STEER_NAT64_SHARD ? io::TunSteering::Kind::Nat64Shard : io::TunSteering::Kind::Ports;
    how.nat64.seed6 = seed6;
    how.nat64.shards = shards;
    load(how);
  }
  void load(const io::TunSteering& how) {
    std::string err;
    skel_.reset(io::load_tun_steer(how, err));
    EXPECT_TRUE(err.empty()) << err;
  }

  // The program's return value for the IP packet `ip` (behind the 14-byte Ethernet header that
  // BPF_PROG_TEST_RUN strips for a socket filter, as the TUN's xmit path has none).
  uint32_t run(const Bytes& ip) {
    const uint16_t type = (ip.at(0) >> 4) == 6 ? 0x86dd : 0x0800;
    Bytes frame{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type)};
    frame.insert(frame.end(), ip.begin(), ip.end());
    bpf_test_run_opts opts{};
    opts.sz = sizeof opts;
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<uint32_t>(frame.size());
    opts.repeat = 1;
    EXPECT_EQ(bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.tun_steer), &opts), 0) << std::strerror(errno);
    EXPECT_LT(opts.retval, 65536u);  // the kernel reads 16 bits
    return opts.retval;
  }

  std::unique_ptr<tun_steer_bpf, SkelDeleter> skel_;
};

std::string nth6(const char* base, unsigned i) {
  Ipv6Addr a = Ipv6Addr::parse(base).value();
  a.b[14] = static_cast<uint8_t>(i >> 8);
  a.b[15] = static_cast<uint8_t>(i);
  return a.str();
}

// ---- siit: ports ----

TEST_F(BpfTunSteer, SiitBothDirectionsOfAFlowGiveOneValue) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const auto sp = static_cast<uint16_t>(rng()), dp = static_cast<uint16_t>(rng());
    // The IPv6 host opens: its packet, then the IPv4 reply to the translation (ports swapped).
    const uint32_t v6 = run(udp6(kHost6, sp, kPeer6, dp));
    EXPECT_EQ(run(udp4(kPeer4, dp, kHost4, sp)), v6) << sp << " " << dp;
    EXPECT_EQ(run(tcp6(kHost6, sp, kPeer6, dp, 0x02)), run(tcp4(kPeer4, dp, kHost4, sp, 0x12)));
    // The IPv4 host opens: its packet, then the IPv6 reply.
    EXPECT_EQ(run(tcp4(kPeer4, sp, kHost4, dp, 0x02)), run(tcp6(kHost6, dp, kPeer6, sp, 0x12)));
    // ICMP echo: the identifier, both ways and both families.
    EXPECT_EQ(run(echo6(kHost6, kPeer6, sp, 1)), run(echo4(kPeer4, kHost4, sp, 1, true)));
    EXPECT_EQ(run(echo4(kPeer4, kHost4, dp, 1, false)), run(echo6(kHost6, kPeer6, dp, 1, true)));
  }
}

TEST_F(BpfTunSteer, SiitFlowsSpreadOverQueues) {
  for (unsigned queues : {2u, 3u, 4u}) {
    std::vector<int> per(queues, 0);
    for (uint16_t sp = 40000; sp < 40064; ++sp) ++per[run(udp6(kHost6, sp, kPeer6, 443)) % queues];
    for (unsigned q = 0; q < queues; ++q) EXPECT_GE(per[q], 64 / static_cast<int>(queues) / 2) << q << "/" << queues;
  }
  // ICMP echo identifiers too (each ping is its own flow).
  std::set<uint32_t> seen;
  for (uint16_t id = 1; id < 17; ++id) seen.insert(run(echo6(kHost6, kPeer6, id, 1)) % 2);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(BpfTunSteer, PacketsWithoutPortsGoByAddressesAndDoNotFail) {
  // Every fragment of one datagram, first or not, goes by its addresses alone.
  Bytes frag1 = pb6::ipv6({.src = kHost6, .dst = kPeer6}, 44, pb6::fragment_header(17, 0, true, 9));
  Bytes frag2 = pb6::ipv6({.src = kHost6, .dst = kPeer6}, 44, pb6::fragment_header(17, 100, false, 9));
  pb6::put(frag1, pb6::udp(1000, 2000, {1, 2, 3, 4, 5, 6, 7, 8}));
  pb6::put(frag2, Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(run(frag1), run(frag2));
  Bytes f4a = udp4(kPeer4, 1000, kHost4, 2000), f4b = udp4(kPeer4, 3000, kHost4, 4000);
  f4a[6] = 0x20;  // MF
  f4b[6] = 0x00;
  f4b[7] = 0x10;  // offset 16 (x 8 bytes)
  EXPECT_EQ(run(f4a), run(f4b));
  // Other protocols, truncated transport headers, a bad version: some value, no failure.
  Bytes gre = pb6::ipv6({.src = kHost6, .dst = kPeer6}, 47, Bytes(8, 0));
  run(gre);
  run(Bytes(gre.begin(), gre.begin() + 42));
  const Bytes short4 = udp4(kPeer4, 1, kHost4, 2);
  run(Bytes(short4.begin(), short4.begin() + 20));
  run(Bytes(40, 0));
}

// ---- nat64: the shard ----

TEST_F(BpfTunSteer, Nat64ShardMatchesTheCxxFunctions) {
  Nat nat(lab_settings("198.51.100.0/30"));
  const nat64::State::Sharding sh = nat.state->sharding();
  ASSERT_GE(sh.shards, 2u);
  load({io::TunSteering::Kind::Nat64Shard, sh});
  ASSERT_TRUE(skel_);
  std::mt19937 rng(11);
  for (unsigned i = 0; i < 300; ++i) {
    const std::string src = nth6("2001:db8:1::", static_cast<unsigned>(rng()));
    const Ipv6Addr a = Ipv6Addr::parse(src).value();
    const auto port = static_cast<uint16_t>(rng());
    EXPECT_EQ(run(udp6(src.c_str(), port, "64:ff9b::cb00:7107", 53)), nat64::shard6(sh.seed6, sh.shards, 17, a, port));
    EXPECT_EQ(run(tcp6(src.c_str(), port, "64:ff9b::cb00:7107", 80, 0x02)),
              nat64::shard6(sh.seed6, sh.shards, 6, a, port));
    EXPECT_EQ(run(echo6(src.c_str(), "64:ff9b::cb00:7107", port, 1)), nat64::shard6(sh.seed6, sh.shards, 58, a, port));
  }
  const nat64::Pool4 pool(nat.settings.pool4, sh.shards, 1);
  for (unsigned i = 0; i < 300; ++i) {
    const Ipv4Addr a4 = Ipv4Addr::from_u32(0xc6336400 + (i & 3));  // 198.51.100.0-3
    const auto port = static_cast<uint16_t>(rng());
    EXPECT_EQ(run(udp4(kPeer4, 53, a4.str().c_str(), port)), pool.shard_of(a4, port));
    EXPECT_EQ(run(echo4(kPeer4, a4.str().c_str(), port, 1, true)), pool.shard_of(a4, port));
  }
}

TEST_F(BpfTunSteer, Nat64BothDirectionsThroughTheTranslatorGiveOneShard) {
  Nat nat(lab_settings());
  const nat64::State::Sharding sh = nat.state->sharding();
  load({io::TunSteering::Kind::Nat64Shard, sh});
  ASSERT_TRUE(skel_);
  std::vector<int> per(2, 0);
  for (unsigned i = 0; i < 64; ++i) {
    const std::string src = nth6("2001:db8:1::", i + 1);
    const auto port = static_cast<uint16_t>(40000 + i);
    // UDP: the reply comes to the pool4 port the NAT64 allocated.
    const Bytes out = nat.run(udp6(src.c_str(), port, "64:ff9b::cb00:7107", 53)).pkt();
    const uint16_t port4 = pb6::rd16(out, 20);
    const uint32_t v6 = run(udp6(src.c_str(), port, "64:ff9b::cb00:7107", 53));
    EXPECT_EQ(run(udp4(kPeer4, 53, v4src(out).c_str(), port4)), v6) << src << " " << port;
    ++per[v6 % 2];
    // TCP handshake.
    const Bytes syn = nat.run(tcp6(src.c_str(), port, "64:ff9b::cb00:7107", 80, 0x02)).pkt();
    EXPECT_EQ(run(tcp4(kPeer4, 80, v4src(syn).c_str(), pb6::rd16(syn, 20), 0x12)),
              run(tcp6(src.c_str(), port, "64:ff9b::cb00:7107", 80, 0x02)));
    // Ping: the echo reply comes to the identifier the NAT64 allocated.
    const Bytes req = nat.run(echo6(src.c_str(), "64:ff9b::cb00:7107", port, 1)).pkt();
    EXPECT_EQ(run(echo4(kPeer4, v4src(req).c_str(), pb6::rd16(req, 24), 1, true)),
              run(echo6(src.c_str(), "64:ff9b::cb00:7107", port, 1)));
  }
  EXPECT_GE(per[0], 16);
  EXPECT_GE(per[1], 16);
}

TEST_F(BpfTunSteer, Nat64StaticBibEntriesGoByTheirIpv4Side) {
  nat64::Settings s = lab_settings();
  s.statics.push_back(nat64::parse_static("tcp,198.51.100.1#8080,2001:db8:6::2#80").value());
  s.statics.push_back(nat64::parse_static("udp,198.51.100.1#7003,2001:db8:6::3#7003").value());
  s.statics.push_back(nat64::parse_static("icmp,198.51.100.1#77,2001:db8:6::3#7").value());
  Nat nat(s);
  const nat64::State::Sharding sh = nat.state->sharding();
  ASSERT_EQ(sh.statics.size(), 3u);
  load({io::TunSteering::Kind::Nat64Shard, sh});
  ASSERT_TRUE(skel_);
  const nat64::Pool4 pool(nat.settings.pool4, sh.shards, 1);
  const Ipv4Addr pool4 = Ipv4Addr::parse("198.51.100.1").value();
  for (uint16_t rport = 5000; rport < 5032; ++rport) {
    // The IPv4 peer opens; the inside server answers from its static transport address.
    const uint32_t v4 = run(tcp4(kPeer4, rport, "198.51.100.1", 8080, 0x02));
    EXPECT_EQ(v4, pool.shard_of(pool4, 8080));
    EXPECT_EQ(run(tcp6("2001:db8:6::2", 80, "64:ff9b::cb00:7107", rport, 0x12)), v4);
    EXPECT_EQ(run(udp6("2001:db8:6::3", 7003, "64:ff9b::cb00:7107", rport)),
              run(udp4(kPeer4, rport, "198.51.100.1", 7003)));
    EXPECT_EQ(run(echo6("2001:db8:6::3", "64:ff9b::cb00:7107", 7, rport, true)),
              run(echo4(kPeer4, "198.51.100.1", 77, rport, false)));
  }
}

// ---- CPU-local (the NAT64 with its fast path): the queue of the CPU the packet is routed on ----

// Runs the calling thread on `cpu` from now on (false: not allowed here).
bool run_on(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

TEST_F(BpfTunSteer, ByCpuEveryPacketGoesToItsCpusQueueTheOthersByFlow) {
  cpu_set_t before;
  ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &before)) cpus.push_back(c);
  const Bytes flows[] = {udp6(kHost6, 40000, kPeer6, 53), udp4(kPeer4, 53, kHost4, 40001),
                         tcp6(kHost6, 40002, kPeer6, 443, 0x02), echo6(kHost6, kPeer6, 7, 1)};
  // The flow's own values, CPU-local steering off.
  std::vector<uint32_t> by_flow;
  for (const Bytes& p : flows) by_flow.push_back(run(p));

  // Every allowed CPU but the last has a worker: queue q on the q-th (in reverse, so that the queue
  // is not simply the CPU id). Its packets, whatever their flow, go to its queue; on the last CPU
  // (none, where there are two CPUs or more) they go by their flow as before.
  io::TunSteering how;
  const size_t with = cpus.size() > 1 ? cpus.size() - 1 : 1;
  for (size_t q = 0; q < with; ++q) how.worker_cpus.push_back(cpus[with - 1 - q]);
  load(how);
  ASSERT_TRUE(skel_);
  for (size_t q = 0; q < with; ++q) {
    ASSERT_TRUE(run_on(how.worker_cpus[q]));
    for (const Bytes& p : flows) EXPECT_EQ(run(p), q) << "CPU " << how.worker_cpus[q];
  }
  if (cpus.size() > 1) {
    ASSERT_TRUE(run_on(cpus.back()));
    for (size_t i = 0; i < std::size(flows); ++i) EXPECT_EQ(run(flows[i]), by_flow[i]) << i;
  }
  ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof before, &before), 0);
}

}  // namespace
