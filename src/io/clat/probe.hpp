// Whether traffic through a NAT64 prefix works (issue 14: a prefix learned from DNS, or the
// well-known one, is used only after this check): ICMPv6 Echo Requests to the --probe IPv4 address
// embedded in the prefix (RFC 6052), from the host's own address on the uplink, and a reply within
// the deadline. A blocking call of at most `tries` x `wait`.
#pragma once
#include <chrono>
#include <string>

#include "addr/ip.hpp"

namespace sixfour::io {

struct ProbeResult {
  bool works = false;
  std::string detail;  // "reply in 3 ms", "no reply in 3 x 1000 ms", "socket: ..."
};

ProbeResult probe_echo(const Ipv6Addr& target, const std::string& uplink, std::chrono::milliseconds wait,
                       int tries = 3);

}  // namespace sixfour::io
