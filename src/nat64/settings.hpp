// Everything the stateful NAT64 (RFC 6146) is configured with, validated once (from CLI or TOML).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "addr/rfc6052.hpp"
#include "common/result.hpp"
#include "xlat/config.hpp"

namespace sixfour::nat64 {

// One pool4 element: "ADDR[/LEN][:LO-HI]", e.g. "198.51.100.1", "203.0.113.0/30:10000-20000".
// The port range applies to TCP, UDP and ICMP (identifiers) alike. Default range 1024-65535.
struct Pool4Entry {
  Ipv4Prefix prefix;
  uint16_t lo = 1024, hi = 65535;
};
Result<Pool4Entry> parse_pool4(std::string_view text);

// A static BIB entry (RFC 6146 §3.5.1 "manually configured"): "PROTO,V4ADDR#PORT,V6ADDR#PORT" with
// PROTO tcp|udp|icmp, e.g. "tcp,198.51.100.1#8080,2001:db8:6::2#80". The V4 address must be in pool4.
struct StaticBinding {
  uint8_t proto = 0;  // IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMPV6 (the IPv6-side protocol)
  Ipv4Addr addr4;
  uint16_t port4 = 0;
  Ipv6Addr addr6;
  uint16_t port6 = 0;
};
Result<StaticBinding> parse_static(std::string_view text);

// RFC 6146 §4 defaults, in seconds.
struct Timeouts {
  uint32_t udp = 300;               // UDP session lifetime (at least 120)
  uint32_t icmp = 60;               // ICMP query session lifetime
  uint32_t tcp_established = 7440;  // 2 h 4 min
  uint32_t tcp_transitory = 240;    // 4 min
  uint32_t tcp_incoming_syn = 6;    // how long an unsolicited IPv4 SYN is stored (§3.5.2.2)
};

// A BIB or session creation/removal, or a port block given to or taken back from an inside host
// (port_blocks.hpp), for RFC 6888-style logging.
struct LogEvent {
  enum class Kind : uint8_t { BibAdded, BibRemoved, SessionAdded, SessionRemoved, BlockAdded, BlockRemoved } kind;
  uint8_t proto;   // IPv6-side protocol number
  Ipv6Addr addr6;  // inside address and port
  uint16_t port6;
  Ipv4Addr addr4;  // outside (pool4) address and port
  uint16_t port4;
  Ipv4Addr remote4;  // session only: the IPv4 peer
  uint16_t remote_port4;
  uint64_t time_ms;         // monotonic time of the event
  uint16_t port4_last = 0;  // blocks: the block is ports port4..port4_last of addr4 (proto, port6: 0)
};

struct Settings {
  Ipv6Prefix prefix = rfc6052::kWellKnownPrefix;  // RFC 6052 prefix (the "Pref64::/n")
  bool allow_non_global = false;                  // RFC 6052 §3.1 check off for 64:ff9b::/96
  std::vector<Pool4Entry> pool4;
  std::vector<StaticBinding> statics;
  Timeouts timeouts;
  bool address_dependent_filtering = false;  // RFC 6146 §3.5.1 (default: endpoint-independent)
  bool drop_external_tcp_syn = false;        // §3.5.2.2: drop unsolicited IPv4 SYNs instead of storing them
  uint32_t max_sessions = 0;                 // 0 = limited only by pool4 ports
  uint32_t fragment_memory = 4 << 20;        // bytes held for reassembly, all fragments together
  uint32_t fragment_timeout_ms = 2000;
  xlat::Config xlat;
  // Port blocks (port_blocks.hpp): 0 = off; else every inside address takes its ports from blocks of
  // this many ports of one pool4 address.
  uint32_t port_block_size = 0;
  // With `log` set: BIB and session events too (else only port blocks are logged).
  bool log_per_session = true;
  // Empty = logging off. Called from worker threads (and expire()) while a table shard is locked:
  // it must be thread-safe and quick (e.g. hand the event to a logger queue).
  std::function<void(const LogEvent&)> log;
};

}  // namespace sixfour::nat64
