// RFC 7050 §3 on the wire: asks name servers for the AAAA records of ipv4only.arpa and reads the
// NAT64 prefix out of the answers (addr/rfc7050.hpp). Used by `sixfour doctor`; meant for every
// command that needs the prefix of the network it is on (`socks --nat64-prefix auto`, a CLAT).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "addr/rfc7050.hpp"
#include "io/sys/dns_client.hpp"

namespace sixfour::io {

struct Rfc7050Lookup {
  NameServer server;
  // "answer", "answer without 192.0.0.170/171 (ignored)", "no AAAA (no DNS64)", "NXDOMAIN",
  // "SERVFAIL", "timeout", "error: ..."
  std::string status;
  double ms = 0;
  rfc7050::Result result;  // empty unless the server answered with AAAA records
};

// One AAAA query for ipv4only.arpa to each of `servers`, all at once, each with `timeout_ms`; an
// empty list means the host's (system_name_servers()). One entry per server, in that order.
std::vector<Rfc7050Lookup> rfc7050_lookup(const std::vector<NameServer>& servers, int timeout_ms);

// Every prefix the lookups found, distinct, in server order (what a node learns from all of its
// resolvers); and the first of them, for a caller that uses one prefix (nullopt: no DNS64).
std::vector<Ipv6Prefix> rfc7050_prefixes(const std::vector<Rfc7050Lookup>& lookups);
std::optional<Ipv6Prefix> rfc7050_first_prefix(const std::vector<NameServer>& servers, int timeout_ms);

}  // namespace sixfour::io
