#include "io/sys/local_networks.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include <algorithm>

namespace sixfour::io {

std::vector<std::string> local_networks() {
  std::vector<std::string> out{"127.0.0.0/8", "::1/128"};
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return out;
  for (ifaddrs* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask) continue;
    char text[INET6_ADDRSTRLEN];
    int len = 0;
    if (i->ifa_addr->sa_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      auto* m = reinterpret_cast<sockaddr_in*>(i->ifa_netmask);
      in_addr net{a->sin_addr.s_addr & m->sin_addr.s_addr};
      len = __builtin_popcount(m->sin_addr.s_addr);
      inet_ntop(AF_INET, &net, text, sizeof text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      auto* m = reinterpret_cast<sockaddr_in6*>(i->ifa_netmask);
      in6_addr net{};
      for (int k = 0; k < 16; ++k) {
        net.s6_addr[k] = a->sin6_addr.s6_addr[k] & m->sin6_addr.s6_addr[k];
        len += __builtin_popcount(m->sin6_addr.s6_addr[k]);
      }
      inet_ntop(AF_INET6, &net, text, sizeof text);
    } else {
      continue;
    }
    // Each network once: loopback is already in, and two addresses of one subnet name it twice.
    std::string cidr = fmt::format("{}/{}", text, len);
    if (std::find(out.begin(), out.end(), cidr) == out.end()) out.push_back(std::move(cidr));
  }
  freeifaddrs(ifs);
  return out;
}

}  // namespace sixfour::io
