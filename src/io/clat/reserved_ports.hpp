// net.ipv4.ip_local_reserved_ports (it covers both families): the ports the kernel never picks for
// its own sockets' ephemeral ports. The CLAT's shared mode (clat/port_map.hpp) reserves its range so
// that no socket of the host ever uses a port the CLAT owns on the same address.
#pragma once
#include <bitset>
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace sixfour::io {

// The sysctl's text ("8080,61000-65535") as a set of ports, and back (ranges, ascending).
std::bitset<65536> parse_port_list(const std::string& text);
std::string format_port_list(const std::bitset<65536>& ports);

class ReservedPorts {
 public:
  ReservedPorts() = default;
  ReservedPorts(const ReservedPorts&) = delete;
  ReservedPorts& operator=(const ReservedPorts&) = delete;
  ~ReservedPorts() { release(); }

  // Reserves first..last. `ours_already`: ports of the range reserved now are a crashed run's (its
  // nftables table was still there), so release() frees them too; otherwise only the ones added here.
  Status reserve(uint16_t first, uint16_t last, bool ours_already = false);
  // Frees the ports reserve() took; true if it changed the sysctl.
  bool release();

 private:
  std::bitset<65536> added_;
  bool active_ = false;
};

}  // namespace sixfour::io
