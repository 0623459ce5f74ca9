#include "io/sys/nd_useropt.hpp"

#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>

#include <cstring>

namespace sixfour::io {

std::optional<RaPref64> ra_pref64(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWNDUSEROPT) return std::nullopt;
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(nduseroptmsg))) return std::nullopt;
  const auto* m = static_cast<const nduseroptmsg*>(NLMSG_DATA(nlh));
  if (m->nduseropt_icmp_type != ND_ROUTER_ADVERT) return std::nullopt;
  const size_t payload = nlh->nlmsg_len - NLMSG_LENGTH(0);
  if (sizeof(nduseroptmsg) + m->nduseropt_opts_len > payload) return std::nullopt;
  RaPref64 out;
  out.ifindex = m->nduseropt_ifindex;
  // struct nduseroptmsg, then the options, then attributes (NDUSEROPT_SRCADDR: the router).
  const auto* base = static_cast<const uint8_t*>(NLMSG_DATA(nlh));
  size_t off = sizeof(nduseroptmsg) + NLA_ALIGN(m->nduseropt_opts_len);
  while (off + sizeof(nlattr) <= payload) {
    nlattr a;
    std::memcpy(&a, base + off, sizeof a);
    if (a.nla_len < sizeof(nlattr) || off + a.nla_len > payload) break;
    if (a.nla_type == NDUSEROPT_SRCADDR && a.nla_len - sizeof(nlattr) == 16) {
      Ipv6Addr router;
      std::memcpy(router.b.data(), base + off + sizeof(nlattr), 16);
      out.router = router;
    }
    off += NLA_ALIGN(a.nla_len);
  }
  const auto* opts = base + sizeof(nduseroptmsg);
  out.found = doctor::pref64_from_options(std::span<const uint8_t>(opts, m->nduseropt_opts_len));
  return out;
}

}  // namespace sixfour::io
