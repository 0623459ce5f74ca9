#include "io/sys/dns_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "dns64/message.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/sockaddr.hpp"

namespace sixfour::io {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

DnsAnswer dns_query(const NameServer& r, const std::string& name, uint16_t qtype, int timeout_ms) {
  DnsAnswer out;
  const auto t0 = Clock::now();
  auto finish = [&](std::string status) {
    out.status = std::move(status);
    out.ms = ms_since(t0);
    return out;
  };
  auto qname = dns64::name_from_text(name);
  if (!qname) return finish("error: " + qname.error());
  auto to = sockaddr_of(r.address, r.port);
  if (!to) return finish(fmt::format("error: resolver \"{}\" is not a numeric address", r.address));
  Fd s(::socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return finish("error: " + short_errno(errno));
  if (::connect(s.get(), to->sa(), to->len) != 0) return finish("error: " + short_errno(errno));
  std::random_device rd;
  const auto id = static_cast<uint16_t>(rd());
  const std::vector<uint8_t> query = dns64::build_query(id, *qname, qtype, false, false);
  if (::send(s.get(), query.data(), query.size(), 0) < 0) return finish("error: " + short_errno(errno));
  const auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
  std::vector<uint8_t> buf(65535);
  while (true) {
    pollfd p{s.get(), POLLIN, 0};
    int n = ::poll(&p, 1, ms_left(deadline));
    if (n == 0) return finish("timeout");
    if (n < 0) {
      if (errno == EINTR) continue;
      return finish("error: " + short_errno(errno));
    }
    ssize_t got = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return finish("error: " + short_errno(errno));  // e.g. ICMP port unreachable
    }
    // RFC 5452 §9.1: only an answer with our ID (from the connected resolver) counts.
    if (got < 12 || rd16(buf.data()) != id) continue;
    auto m = dns64::parse_response(std::span<const uint8_t>(buf.data(), static_cast<size_t>(got)), *qname, qtype);
    if (!m) continue;
    if (m->tc) return finish("truncated (TC=1)");
    switch (m->rcode) {
      case dns64::kNoError:
        break;
      case dns64::kNxDomain:
        return finish("NXDOMAIN");
      case dns64::kServFail:
        return finish("SERVFAIL");
      case dns64::kRefused:
        return finish("REFUSED");
      default:
        return finish(fmt::format("rcode {}", m->rcode));
    }
    const size_t want = qtype == dns64::kTypeAAAA ? 16 : 4;
    for (const dns64::Rr& rr : m->answer) {
      if (rr.type != qtype || rr.rdata.size() != want) continue;
      out.addresses.push_back(ntop_text(qtype == dns64::kTypeAAAA ? AF_INET6 : AF_INET, rr.rdata.data()));
    }
    return finish(out.addresses.empty() ? "NODATA" : "answer");
  }
}

namespace {

void read_nameservers(const std::string& path, std::vector<NameServer>& out) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    std::string key, addr;
    if (!(ls >> key >> addr) || key != "nameserver") continue;
    if (std::none_of(out.begin(), out.end(), [&](const NameServer& r) { return r.address == addr; }))
      out.push_back({addr, 53, path});
  }
}

}  // namespace

std::vector<NameServer> system_name_servers() {
  std::vector<NameServer> out;
  read_nameservers("/etc/resolv.conf", out);
  // systemd-resolved's stub listens on 127.0.0.53 (and 127.0.0.54); the servers it forwards to
  // are in its own resolv.conf. Both are queried: a DNS64 upstream shows up in either.
  const bool stub = std::any_of(out.begin(), out.end(), [](const NameServer& r) {
    return r.address == "127.0.0.53" || r.address == "127.0.0.54";
  });
  if (stub) read_nameservers("/run/systemd/resolve/resolv.conf", out);
  return out;
}

}  // namespace sixfour::io
