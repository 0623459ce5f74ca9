#include "io/socks/nat64_prefix.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "socks/policy.hpp"

namespace sixfour::io::socks_proxy {

std::optional<Ipv6Prefix> nat64_prefix(const socks::Settings& cfg) {
  std::optional<Ipv6Prefix> found;
  if (cfg.nat64_mode == socks::Nat64Mode::Fixed) found = cfg.nat64;
  if (cfg.nat64_mode == socks::Nat64Mode::Auto) {
    // RFC 7050 §3: ask for the AAAA records of ipv4only.arpa; the resolver's DNS64 synthesizes
    // them from 192.0.0.170/171 with the NAT64 prefix.
    addrinfo hints{};
    hints.ai_family = AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::vector<Ipv6Addr> aaaa;
    if (::getaddrinfo("ipv4only.arpa", nullptr, &hints, &res) == 0) {
      for (addrinfo* r = res; r; r = r->ai_next) {
        Ipv6Addr a;
        std::memcpy(a.b.data(), &reinterpret_cast<sockaddr_in6*>(r->ai_addr)->sin6_addr, 16);
        aaaa.push_back(a);
      }
      ::freeaddrinfo(res);
    }
    found = socks::nat64_prefix_from_aaaa(aaaa);
    if (found)
      spdlog::info("NAT64 prefix {} discovered (RFC 7050)", found->str());
    else
      spdlog::warn("--nat64-prefix auto: ipv4only.arpa has no synthesized AAAA; NAT64 off");
  }

  return found;
}

}  // namespace sixfour::io::socks_proxy
