#include "io/sys/rfc7050_lookup.hpp"

#include <future>

#include "dns64/message.hpp"

namespace sixfour::io {

namespace {

Rfc7050Lookup lookup_one(const NameServer& server, int timeout_ms) {
  Rfc7050Lookup l;
  l.server = server;
  // RFC 7050 §3: AAAA for the well-known name; a DNS64 synthesizes them from its A records.
  const DnsAnswer a = dns_query(server, "ipv4only.arpa", dns64::kTypeAAAA, timeout_ms);
  l.ms = a.ms;
  l.status = a.status == "NODATA" ? "no AAAA (no DNS64)" : a.status;
  std::vector<Ipv6Addr> addrs;
  for (const std::string& s : a.addresses)
    if (auto v = Ipv6Addr::parse(s)) addrs.push_back(*v);
  l.result = rfc7050::extract_prefixes(addrs);
  if (a.status == "answer" && l.result.prefixes.empty()) l.status = "answer without 192.0.0.170/171 (ignored)";
  return l;
}

}  // namespace

std::vector<Rfc7050Lookup> rfc7050_lookup(const std::vector<NameServer>& servers, int timeout_ms) {
  const std::vector<NameServer> ask = servers.empty() ? system_name_servers() : servers;
  std::vector<std::future<Rfc7050Lookup>> pending;
  for (const NameServer& s : ask)
    pending.push_back(std::async(std::launch::async, [s, timeout_ms] { return lookup_one(s, timeout_ms); }));
  std::vector<Rfc7050Lookup> out;
  for (auto& f : pending) out.push_back(f.get());
  return out;
}

std::vector<Ipv6Prefix> rfc7050_prefixes(const std::vector<Rfc7050Lookup>& lookups) {
  std::vector<Ipv6Prefix> out;
  for (const Rfc7050Lookup& l : lookups) rfc7050::add_distinct(out, l.result.prefixes);
  return out;
}

std::optional<Ipv6Prefix> rfc7050_first_prefix(const std::vector<NameServer>& servers, int timeout_ms) {
  const std::vector<Ipv6Prefix> all = rfc7050_prefixes(rfc7050_lookup(servers, timeout_ms));
  if (all.empty()) return std::nullopt;
  return all.front();
}

}  // namespace sixfour::io
