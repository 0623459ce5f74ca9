// A minimal stub resolver: one DNS query over UDP to one name server, and the host's name servers.
// What `sixfour doctor` probes with and what RFC 7050 discovery (io/sys/rfc7050_lookup) sends.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sixfour::io {

struct NameServer {
  std::string address;  // IPv4 or IPv6 literal (an IPv6 link-local one may carry %scope)
  uint16_t port = 53;
  std::string source;  // where it came from: "/etc/resolv.conf", "--resolver", ...
};

struct DnsAnswer {
  std::string status;                  // "answer", "NODATA", "NXDOMAIN", "SERVFAIL", "REFUSED", "timeout", "error: ..."
  std::vector<std::string> addresses;  // A or AAAA records in the answer section, as text
  double ms = 0;
  bool answered() const { return status == "answer" || status == "NODATA" || status == "NXDOMAIN"; }
};

// One query over UDP (RFC 1035 §4.2.1) with libknot's wire format; qtype 1 (A) or 28 (AAAA).
DnsAnswer dns_query(const NameServer& server, const std::string& name, uint16_t qtype, int timeout_ms);

// nameserver lines of /etc/resolv.conf; when that points at systemd-resolved's stub
// (127.0.0.53/54), the upstream servers from /run/systemd/resolve/resolv.conf as well.
std::vector<NameServer> system_name_servers();

}  // namespace sixfour::io
