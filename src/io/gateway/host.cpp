#include "io/gateway/host.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace sixfour::io {

namespace {

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream f(path);
  ok = static_cast<bool>(f);
  std::stringstream ss;
  if (ok) ss << f.rdbuf();
  return ss.str();
}

uint8_t mask_len(const sockaddr* m, int family) {
  if (!m) return family == AF_INET ? 32 : 128;
  uint8_t n = 0;
  if (family == AF_INET) {
    n = static_cast<uint8_t>(__builtin_popcount(reinterpret_cast<const sockaddr_in*>(m)->sin_addr.s_addr));
  } else {
    for (uint8_t b : reinterpret_cast<const sockaddr_in6*>(m)->sin6_addr.s6_addr)
      n = static_cast<uint8_t>(n + __builtin_popcount(b));
  }
  return n;
}

}  // namespace

Result<gateway::HostFacts> discover_host() {
  gateway::HostFacts h;
  if (struct if_nameindex* names = if_nameindex()) {
    for (struct if_nameindex* i = names; i->if_index != 0; ++i) h.interfaces.emplace_back(i->if_name);
    if_freenameindex(names);
  }
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return Error{fmt::format("getifaddrs: {}", std::strerror(errno))};
  for (ifaddrs* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_name) continue;
    const int fam = i->ifa_addr->sa_family;
    if (fam != AF_INET && fam != AF_INET6) continue;
    gateway::HostAddress a;
    a.iface = i->ifa_name;
    a.len = mask_len(i->ifa_netmask, fam);
    if (fam == AF_INET) {
      std::memcpy(a.a4.b.data(), &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else {
      a.v6 = true;
      std::memcpy(a.a6.b.data(), &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    }
    h.addresses.push_back(std::move(a));
  }
  freeifaddrs(ifs);

  bool ok = false;
  const std::string range = read_file("/proc/sys/net/ipv4/ip_local_port_range", ok);
  if (!ok) return Error{"cannot read /proc/sys/net/ipv4/ip_local_port_range"};
  auto e = gateway::parse_ip_local_port_range(range);
  if (!e) return Error{e.error()};
  h.ephemeral = *e;

  const std::string resolv = read_file("/etc/resolv.conf", ok);
  h.resolvers = dns64::parse_resolv_conf(resolv);
  return h;
}

Status nft_run(const std::string& script) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return Error{"nftables: cannot create a context"};
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  const int rc = nft_run_cmd_from_buffer(ctx, script.c_str());
  // Read once: each call rewinds libnftables' buffer, so a second call returns "".
  const char* buffered = nft_ctx_get_error_buffer(ctx);
  std::string err = buffered ? buffered : "";
  nft_ctx_free(ctx);
  if (rc == 0) return Ok{};
  const size_t nl = err.find('\n');
  if (nl != std::string::npos) err.resize(nl);
  if (err.empty()) err = "failed";
  return Error{"nftables: " + err};
}

Result<std::vector<std::string>> ForwardingSysctls::enable() {
  static const char* const kPaths[] = {"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"};
  std::vector<std::string> names;
  for (const char* p : kPaths) {
    bool ok = false;
    const std::string v = read_file(p, ok);
    if (!ok) return Error{fmt::format("cannot read {}", p)};
    if (!v.empty() && v[0] == '1') continue;
    std::ofstream f(p);
    if (!(f << "1\n") || !f.flush()) return Error{fmt::format("cannot write 1 to {} (run as root)", p)};
    changed_.emplace_back(p);
    std::string name = std::string(p).substr(std::strlen("/proc/sys/"));
    for (char& c : name)
      if (c == '/') c = '.';
    names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::string> ForwardingSysctls::restore() {
  std::vector<std::string> names;
  for (const std::string& p : changed_) {
    std::ofstream f(p);
    f << "0\n";
    std::string name = p.substr(std::strlen("/proc/sys/"));
    for (char& c : name)
      if (c == '/') c = '.';
    names.push_back(std::move(name));
  }
  changed_.clear();
  return names;
}

Result<bool> SteeringTable::remove_stale(const std::string& tun) {
  auto st = nft_run(gateway::nft_delete_script(tun));
  if (st) return true;
  // "Error: Could not process rule: No such file or directory": there was none.
  if (st.error().find("No such file or directory") != std::string::npos) return false;
  return Error{st.error()};
}

Status SteeringTable::apply() {
  auto st = nft_run(gateway::nft_apply_script(s_));
  if (!st) return st;
  applied_ = true;
  return Ok{};
}

bool SteeringTable::remove() {
  if (!applied_) return false;
  applied_ = false;
  return static_cast<bool>(nft_run(gateway::nft_delete_script(s_.tun)));
}

}  // namespace sixfour::io
