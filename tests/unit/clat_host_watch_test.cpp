// The CLAT's netlink side. The ND user option parser runs everywhere; the ClatHostLab tests need
// the namespaces tests/integration/test_clat_host.sh builds (they skip unless it runs them):
// reading links, addresses and routes, the CLAT's IPv4 address and default route, netlink events
// and PREF64 options from router advertisements.
#include "io/clat/host_watch.hpp"

#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/sys/nd_useropt.hpp"

using namespace sixfour;
using namespace sixfour::io;

namespace {

Ipv4Addr a4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr a6(const char* s) { return Ipv6Addr::parse(s).value(); }

// An RTM_NEWNDUSEROPT as the kernel sends it: nduseroptmsg, the options, NDUSEROPT_SRCADDR.
std::vector<uint8_t> nduseropt(uint8_t icmp_type, const std::vector<uint8_t>& opts, const Ipv6Addr* router) {
  std::vector<uint8_t> buf(NLMSG_SPACE(sizeof(nduseroptmsg) + NLA_ALIGN(opts.size()) + NLA_HDRLEN + 16));
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data());
  nlh->nlmsg_type = RTM_NEWNDUSEROPT;
  auto* m = static_cast<nduseroptmsg*>(NLMSG_DATA(nlh));
  m->nduseropt_family = AF_INET6;
  m->nduseropt_opts_len = static_cast<uint16_t>(opts.size());
  m->nduseropt_ifindex = 7;
  m->nduseropt_icmp_type = icmp_type;
  std::memcpy(m + 1, opts.data(), opts.size());
  size_t len = sizeof(nduseroptmsg) + NLA_ALIGN(opts.size());
  if (router) {
    auto* a = reinterpret_cast<nlattr*>(reinterpret_cast<uint8_t*>(m) + len);
    a->nla_type = NDUSEROPT_SRCADDR;
    a->nla_len = NLA_HDRLEN + 16;
    std::memcpy(reinterpret_cast<uint8_t*>(a) + NLA_HDRLEN, router->b.data(), 16);
    len += NLA_HDRLEN + 16;
  }
  nlh->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(len));
  return buf;
}

// PREF64 for 2001:db8:64::/96, scaled lifetime 75 (600 s), PLC 0.
const std::vector<uint8_t> kPref64 = {38, 2, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0, 0x64, 0, 0, 0, 0, 0, 0};

}  // namespace

TEST(ClatNdUserOpt, Pref64AndRouterOfAnAdvertisement) {
  const Ipv6Addr router = a6("fe80::1");
  auto msg = nduseropt(ND_ROUTER_ADVERT, kPref64, &router);
  auto ra = ra_pref64(reinterpret_cast<const nlmsghdr*>(msg.data()));
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->ifindex, 7);
  EXPECT_EQ(ra->router, router);
  ASSERT_EQ(ra->found.size(), 1u);
  EXPECT_EQ(ra->found[0].prefix, Ipv6Prefix::parse("2001:db8:64::/96").value());
  EXPECT_EQ(ra->found[0].lifetime_s, 600u);

  auto bare = nduseropt(ND_ROUTER_ADVERT, kPref64, nullptr);
  ra = ra_pref64(reinterpret_cast<const nlmsghdr*>(bare.data()));
  ASSERT_TRUE(ra);
  EXPECT_FALSE(ra->router);
  EXPECT_EQ(ra->found.size(), 1u);
}

TEST(ClatNdUserOpt, OtherMessagesAreNoAdvertisement) {
  auto msg = nduseropt(ND_ROUTER_SOLICIT, kPref64, nullptr);
  EXPECT_FALSE(ra_pref64(reinterpret_cast<const nlmsghdr*>(msg.data())));
  msg = nduseropt(ND_ROUTER_ADVERT, kPref64, nullptr);
  auto* nlh = reinterpret_cast<nlmsghdr*>(msg.data());
  nlh->nlmsg_type = RTM_NEWADDR;
  EXPECT_FALSE(ra_pref64(nlh));
  nlh->nlmsg_type = RTM_NEWNDUSEROPT;
  static_cast<nduseroptmsg*>(NLMSG_DATA(nlh))->nduseropt_opts_len = 4000;  // longer than the message
  EXPECT_FALSE(ra_pref64(nlh));
}

// ---- in the lab (test_clat_host.sh): this process runs in the laptop's namespace, where
// eth-gw (2001:db8:1:2::10/64, IPv6 default via 2001:db8:1:2::1 metric 600) hears RAs with
// PREF64 2001:db8:64::/96 and clat0 (a veth standing in for the TUN) is up.

namespace {

bool in_lab() { return std::getenv("SIXFOUR_CLAT_LAB") != nullptr && ::geteuid() == 0; }

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

clat::HostSnapshot snapshot() {
  auto s = read_host();
  EXPECT_TRUE(s) << (s ? "" : s.error());
  return s ? s.value() : clat::HostSnapshot{};
}

// Polls `ev` until `done(batch)` or `ms` milliseconds pass; true when done.
template <class Done>
bool wait_for(HostEvents& ev, int ms, Done done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{ev.fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
    if (done(ev.drain())) return true;
  }
  return false;
}

}  // namespace

TEST(ClatHostLab, ReadHostSeesTheUplink) {
  if (!in_lab()) GTEST_SKIP() << "run by tests/integration/test_clat_host.sh";
  const clat::HostSnapshot s = snapshot();
  const clat::LinkInfo* l = s.link("eth-gw");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->up);
  EXPECT_EQ(l->mtu, 1500u);
  EXPECT_TRUE(l->mac);
  EXPECT_EQ(l->kind, "veth");
  const clat::UplinkView v = clat::find_uplink(s, "", "clat0");
  EXPECT_EQ(v.name, "eth-gw");
  EXPECT_EQ(v.ifindex, l->index);
  EXPECT_EQ(v.router, a6("2001:db8:1:2::1"));
  ASSERT_EQ(v.addresses.size(), 1u);
  EXPECT_EQ(v.addresses[0].address, a6("2001:db8:1:2::10"));
  EXPECT_EQ(v.addresses[0].prefix_len, 64);
  auto six = std::find_if(s.routes.begin(), s.routes.end(), [](const auto& r) { return r.v6() && r.main_default(); });
  ASSERT_NE(six, s.routes.end());
  EXPECT_EQ(six->metric, 600u);
  EXPECT_FALSE(clat::native_ipv4_default_metric(s, 0));
}

TEST(ClatHostLab, Ipv4AddressAndDefaultRoute) {
  if (!in_lab()) GTEST_SKIP() << "run by tests/integration/test_clat_host.sh";
  auto nl = Netlink::open();
  ASSERT_TRUE(nl);
  const int tun = nl.value().link_index("clat0").value();
  ASSERT_TRUE(nl.value().add_address4(tun, a4("192.0.0.1"), 29));
  ASSERT_TRUE(nl.value().add_address4(tun, a4("192.0.0.1"), 29));  // again: no error
  clat::HostSnapshot s = snapshot();
  auto used = clat::ipv4_in_use(s, 0);
  EXPECT_NE(std::find(used.begin(), used.end(), a4("192.0.0.1")), used.end());
  used = clat::ipv4_in_use(s, tun);  // 127.0.0.1 only
  EXPECT_EQ(std::find(used.begin(), used.end(), a4("192.0.0.1")), used.end());
  EXPECT_FALSE(clat::other_clat(s, "sixclat"));  // no default route through it yet

  auto st = add_default_route4(nl.value(), tun, 2048, 1452, 1412, a4("192.0.0.1"));
  ASSERT_TRUE(st) << st.error();
  std::string shown = run("ip -4 route show default");
  EXPECT_NE(shown.find("default dev clat0"), std::string::npos) << shown;
  EXPECT_NE(shown.find("src 192.0.0.1 metric 2048 mtu 1452 advmss 1412"), std::string::npos) << shown;
  st = add_default_route4(nl.value(), tun, 2048, 1400, 1360, a4("192.0.0.1"));  // a lower path MTU
  ASSERT_TRUE(st) << st.error();
  shown = run("ip -4 route show default");
  EXPECT_NE(shown.find("metric 2048 mtu 1400 advmss 1360"), std::string::npos) << shown;
  EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 1) << shown;

  s = snapshot();
  EXPECT_FALSE(clat::native_ipv4_default_metric(s, tun));
  EXPECT_EQ(clat::native_ipv4_default_metric(s, 0), 2048u);
  EXPECT_EQ(clat::other_clat(s, "clat0"), std::nullopt);
  EXPECT_NE(clat::other_clat(s, "sixclat").value_or("").find("interface clat0 holds 192.0.0.1"), std::string::npos);

  // A native route at the same metric is never taken over.
  ASSERT_EQ(std::system("ip -4 addr add 198.51.100.10/24 dev eth-gw && "
                        "ip -4 route add default via 198.51.100.1 metric 700"),
            0);
  EXPECT_FALSE(add_default_route4(nl.value(), tun, 700, 1400, 1360, a4("192.0.0.1")));
  EXPECT_EQ(clat::native_ipv4_default_metric(snapshot(), tun), 700u);
  ASSERT_EQ(std::system("ip -4 addr del 198.51.100.10/24 dev eth-gw"), 0);  // takes its route along

  EXPECT_TRUE(del_default_route4(nl.value(), tun, 2048));
  EXPECT_TRUE(del_default_route4(nl.value(), tun, 2048));  // gone already: no error
  EXPECT_EQ(run("ip -4 route show default"), "");
  EXPECT_TRUE(nl.value().del_address4(tun, a4("192.0.0.1"), 29));
  EXPECT_TRUE(nl.value().del_address4(tun, a4("192.0.0.1"), 29));
  EXPECT_EQ(run("ip -4 addr show dev clat0"), "");
}

TEST(ClatHostLab, EventsSayChangedAndCarryPref64) {
  if (!in_lab()) GTEST_SKIP() << "run by tests/integration/test_clat_host.sh";
  auto ev = HostEvents::open();
  ASSERT_TRUE(ev) << ev.error();
  HostEvents& e = ev.value();
  ASSERT_EQ(std::system("ip -6 addr add 2001:db8:1:2::20/64 dev eth-gw nodad"), 0);
  EXPECT_TRUE(wait_for(e, 2000, [](const HostEvents::Batch& b) { return b.changed; }));
  ASSERT_EQ(std::system("ip -6 addr del 2001:db8:1:2::20/64 dev eth-gw"), 0);

  std::vector<Pref64Heard> heard;
  EXPECT_TRUE(wait_for(e, 5000, [&](const HostEvents::Batch& b) {
    heard.insert(heard.end(), b.pref64.begin(), b.pref64.end());
    return !heard.empty();
  }));
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard[0].prefix, Ipv6Prefix::parse("2001:db8:64::/96").value());
  EXPECT_EQ(heard[0].lifetime_s, 600u);
  EXPECT_EQ(heard[0].ifindex, snapshot().link("eth-gw")->index);
  ASSERT_TRUE(heard[0].router);
  EXPECT_TRUE(Ipv6Prefix::parse("fe80::/10").value().contains(*heard[0].router));
}

TEST(ClatHostLab, ClatdProcessSeen) {
  if (!in_lab()) GTEST_SKIP() << "run by tests/integration/test_clat_host.sh";
  const char* pid = std::getenv("SIXFOUR_FAKE_CLATD");  // a process that looks like clatd
  ASSERT_NE(pid, nullptr);
  auto reason = clat_process_running();
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, fmt::format("another CLAT runs: clatd (pid {})", pid));
}
