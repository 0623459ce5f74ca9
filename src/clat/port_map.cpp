#include "clat/port_map.hpp"

#include <cctype>
#include <chrono>

#include <fmt/format.h>

namespace sixfour::clat {

namespace {

constexpr uint64_t kTcpIdle = 7440;   // RFC 5382 REQ-5: 2 hours 4 minutes
constexpr uint64_t kOtherIdle = 300;  // RFC 4787 REQ-5: 5 minutes (ICMP the same)

uint64_t steady_seconds() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

uint16_t rd16(std::span<const uint8_t> p, size_t off) { return static_cast<uint16_t>(p[off] << 8 | p[off + 1]); }

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmpv6 = 58, kFragment = 44;
constexpr uint8_t kEchoRequest = 128, kEchoReply = 129;

// A transport header at `l4` of protocol `nh` whose port (or echo identifier) on the CLAT's side —
// the destination of a packet coming in, the source of one the CLAT sent — is in `r`.
bool clat_side_in_range(std::span<const uint8_t> p, size_t l4, uint8_t nh, bool sent_by_clat, const PortRange& r) {
  if (nh == kTcp || nh == kUdp) return p.size() >= l4 + 4 && r.contains(rd16(p, sent_by_clat ? l4 : l4 + 2));
  if (nh != kIcmpv6 || p.size() < l4 + 6) return false;
  const uint8_t want = sent_by_clat ? kEchoRequest : kEchoReply;
  return p[l4] == want && r.contains(rd16(p, l4 + 4));
}

}  // namespace

PortMap::PortMap(PortRange r, std::function<uint64_t()> now_s) : range_(r), now_s_(std::move(now_s)) {
  if (!now_s_) now_s_ = steady_seconds;
  for (Table& t : tables_) {
    t.by_host.assign(65536, 0);
    t.slots.assign(r.count, Slot{});
  }
}

int PortMap::table_of(uint8_t proto) {
  switch (proto) {
    case 6:
      return 0;
    case 17:
      return 1;
    case 1:
      return 2;
    default:
      return -1;
  }
}

uint64_t PortMap::idle_limit(int table) const { return table == 0 ? kTcpIdle : kOtherIdle; }

// The host's port's own slot first (the same port every time the host uses it again), then the
// next free or idle one.
std::optional<size_t> PortMap::free_slot(Table& t, int table, uint16_t host_port, uint64_t now) {
  const size_t n = t.slots.size();
  auto usable = [&](const Slot& s) { return !s.used || now - s.last > idle_limit(table); };
  if (usable(t.slots[host_port % n])) return host_port % n;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (t.cursor + k) % n;
    if (usable(t.slots[i])) {
      t.cursor = (i + 1) % n;
      return i;
    }
  }
  return std::nullopt;
}

std::optional<uint16_t> PortMap::outward(uint8_t proto, uint16_t host_port) {
  const int ti = table_of(proto);
  if (ti < 0 || range_.count == 0) return std::nullopt;
  const uint64_t now = now_s_();
  std::lock_guard lock(mu_);
  Table& t = tables_[static_cast<size_t>(ti)];
  if (const uint16_t s = t.by_host[host_port]; s != 0) {
    t.slots[s - 1u].last = now;
    return static_cast<uint16_t>(range_.first + s - 1);
  }
  const auto i = free_slot(t, ti, host_port, now);
  if (!i) return std::nullopt;
  Slot& slot = t.slots[*i];
  if (slot.used) t.by_host[slot.host_port] = 0;  // an idle mapping given up
  slot = {host_port, true, now};
  t.by_host[host_port] = static_cast<uint16_t>(*i + 1);
  return static_cast<uint16_t>(range_.first + *i);
}

std::optional<uint16_t> PortMap::find_outward(uint8_t proto, uint16_t host_port) const {
  const int ti = table_of(proto);
  if (ti < 0) return std::nullopt;
  std::lock_guard lock(mu_);
  const uint16_t s = tables_[static_cast<size_t>(ti)].by_host[host_port];
  if (s == 0) return std::nullopt;
  return static_cast<uint16_t>(range_.first + s - 1);
}

std::optional<uint16_t> PortMap::inward(uint8_t proto, uint16_t shared_port) {
  const int ti = table_of(proto);
  if (ti < 0 || !range_.contains(shared_port)) return std::nullopt;
  const uint64_t now = now_s_();
  std::lock_guard lock(mu_);
  Slot& s = tables_[static_cast<size_t>(ti)].slots[shared_port - range_.first];
  if (!s.used) return std::nullopt;
  s.last = now;
  return s.host_port;
}

size_t PortMap::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Table& t : tables_)
    for (const Slot& s : t.slots) n += s.used ? 1 : 0;
  return n;
}

bool shared_owns(std::span<const uint8_t> p, const PortRange& r) {
  if (p.size() < 40 || (p[0] >> 4) != 6) return false;
  uint8_t nh = p[6];
  size_t l4 = 40;
  if (nh == kFragment) {  // only a whole (reassembled) datagram's atomic Fragment Header
    if (p.size() < 48 || (rd16(p, 42) & 0xfff9) != 0) return false;
    nh = p[40];
    l4 = 48;
  }
  if (nh != kIcmpv6 || p.size() < l4 + 8 || p[l4] >= 128) return clat_side_in_range(p, l4, nh, false, r);
  // An ICMPv6 error (types 1-127) quoting a packet from the shared address: its source port.
  const size_t inner = l4 + 8;
  return p.size() >= inner + 40 && (p[inner] >> 4) == 6 && clat_side_in_range(p, inner + 40, p[inner + 6], true, r);
}

namespace {

std::string table_of_tun(std::string_view tun) {
  std::string out = "sixfour_";
  for (char c : tun) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}

}  // namespace

std::string nft_shared_apply(std::string_view tun, const Ipv6Addr& host, const PortRange& r) {
  const std::string t = table_of_tun(tun);
  return fmt::format(
      "add table inet {0}\n"
      "delete table inet {0}\n"
      "table inet {0} {{\n"
      "  chain clat_shared_address {{\n"
      "    type filter hook prerouting priority raw; policy accept;\n"
      "    ip6 daddr {1} tcp dport {2}-{3} drop\n"
      "    ip6 daddr {1} udp dport {2}-{3} drop\n"
      "  }}\n"
      "}}\n",
      t, host.str(), r.first, r.last());
}

std::string nft_shared_delete(std::string_view tun) { return fmt::format("delete table inet {}\n", table_of_tun(tun)); }

}  // namespace sixfour::clat
