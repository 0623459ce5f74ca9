#include "io/clat/reserved_ports.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace sixfour::io {

namespace {

constexpr const char* kPath = "/proc/sys/net/ipv4/ip_local_reserved_ports";

Result<std::string> read_sysctl() {
  std::ifstream in(kPath);
  if (!in) return Error{fmt::format("{}: {}", kPath, std::strerror(errno))};
  std::string text;
  std::getline(in, text);
  return text;
}

Status write_sysctl(const std::string& text) {
  std::ofstream out(kPath);
  // An empty list is written as "" (the kernel takes a lone newline as "none").
  out << text << '\n';
  out.flush();
  if (!out) return Error{fmt::format("writing {}: {}", kPath, std::strerror(errno))};
  return Ok{};
}

}  // namespace

std::bitset<65536> parse_port_list(const std::string& text) {
  std::bitset<65536> ports;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    unsigned a = 0, b = 0;
    if (std::sscanf(item.c_str(), "%u-%u", &a, &b) == 2) {
    } else if (std::sscanf(item.c_str(), "%u", &a) == 1) {
      b = a;
    } else {
      continue;
    }
    for (unsigned p = a; p <= b && p < 65536; ++p) ports.set(p);
  }
  return ports;
}

std::string format_port_list(const std::bitset<65536>& ports) {
  std::string out;
  for (size_t p = 0; p < 65536;) {
    if (!ports.test(p)) {
      ++p;
      continue;
    }
    size_t q = p;
    while (q + 1 < 65536 && ports.test(q + 1)) ++q;
    if (!out.empty()) out += ',';
    out += q == p ? fmt::format("{}", p) : fmt::format("{}-{}", p, q);
    p = q + 1;
  }
  return out;
}

Status ReservedPorts::reserve(uint16_t first, uint16_t last, bool ours_already) {
  auto text = read_sysctl();
  if (!text) return Error{text.error()};
  std::bitset<65536> now = parse_port_list(*text);
  added_.reset();
  for (unsigned p = first; p <= last; ++p)
    if (!now.test(p) || ours_already) added_.set(p);
  active_ = true;
  if ((now | added_) == now) return Ok{};
  return write_sysctl(format_port_list(now | added_));
}

bool ReservedPorts::release() {
  if (!active_) return false;
  active_ = false;
  auto text = read_sysctl();
  if (!text) return false;
  const std::bitset<65536> now = parse_port_list(*text);
  const std::bitset<65536> after = now & ~added_;
  if (after == now) return false;
  return static_cast<bool>(write_sysctl(format_port_list(after)));
}

}  // namespace sixfour::io
