// The networks this host is on: loopback plus the prefix of every address on every interface, as
// CIDR text ("2001:db8:6::/64"), each once. The daemons' default client allow-lists: "loopback and the host's
// own on-link networks", so that nothing is an open resolver or proxy by accident.
#pragma once
#include <string>
#include <vector>

namespace sixfour::io {

std::vector<std::string> local_networks();

}  // namespace sixfour::io
