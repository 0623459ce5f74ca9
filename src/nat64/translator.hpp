// The stateful NAT64 (RFC 6146): the BIB/session state shared by all workers, and the per-worker
// translator that runs a packet through the steps of RFC 6146 §3 (one file each in nat64/steps/):
// determine the incoming tuple (§3.4) -> filtering and updating (§3.5) -> compute the outgoing tuple
// (§3.6) -> translate (§3.7, RFC 7915 via xlat/) -> hairpinning (§3.8).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "nat64/session_sink.hpp"
#include "nat64/settings.hpp"
#include "xlat/icmp_rate_limit.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::nat64 {

struct BibInfo {
  uint8_t proto;  // IPv6-side protocol (6, 17, 58)
  Ipv6Addr addr6;
  uint16_t port6;
  Ipv4Addr addr4;
  uint16_t port4;
  bool is_static;
  uint32_t sessions;  // sessions using this entry
};

struct SessionInfo {
  uint8_t proto;
  Ipv6Addr addr6;  // inside host
  uint16_t port6;
  Ipv6Addr remote6;  // the IPv4 peer as the inside host sees it (prefix + remote4)
  uint16_t remote_port6;
  Ipv4Addr addr4;  // pool4 address/port
  uint16_t port4;
  Ipv4Addr remote4;  // the IPv4 peer
  uint16_t remote_port4;
  std::string_view state;  // "established", "v6-syn-rcv", ... for TCP; "-" otherwise
  uint64_t expires_in_ms;
};

// BIB + session tables for TCP, UDP and ICMP. Thread-safe; lookups O(1); expiry without full scans.
class State {
 public:
  static std::unique_ptr<State> create(const Settings& settings);
  virtual ~State() = default;

  // Reclaims expired sessions (and BIB entries left without sessions); called about once a second
  // by the daemon from a housekeeping thread. Cost proportional to what expires.
  // Unsolicited IPv4 SYNs stored for TCP_INCOMING_SYN (RFC 6146 §3.5.2.2) whose time is up are
  // answered with ICMPv4 Port Unreachable; an ESTABLISHED TCP session whose TCP_EST runs out is
  // probed (§3.5.2.2: an empty ACK to its IPv4 peer) as it moves to TRANS; and a datagram whose
  // reassembly timed out after its first fragment came is answered with Time Exceeded, code 1
  // (RFC 792, RFC 8200 §4.5; ICMPv4 or ICMPv6). `send_icmp` receives each such packet (IPv4 or
  // IPv6, to be written to the TUN like a translated one); the one-argument form discards them.
  virtual void expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& send_icmp) = 0;
  void expire(uint64_t now_ms) { expire(now_ms, {}); }

  // The fast path the sessions it may serve are published to (nat64/session_sink.hpp); nullptr (the
  // default): none. Set before the first packet; `sink` must outlive the State.
  virtual void set_session_sink(SessionSink* sink) = 0;
  // Applies the TCP segments the sink's fast path translated and reported (SessionSink::drain) to
  // their sessions' state and lifetime, as if the daemon had translated them; expire() does it
  // first too. Called often by the daemon's housekeeping thread (not per packet).
  virtual void apply_reported(uint64_t now_ms) = 0;

  virtual std::vector<BibInfo> bib() const = 0;
  virtual std::vector<SessionInfo> sessions(uint64_t now_ms) const = 0;
  // Visits counters: "bib.tcp", "sessions.udp", "pool4.ports-free", ... (name, value).
  virtual void visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const = 0;

  // How a packet's shard is found without the tables, for a TUN steering program that keeps both
  // directions of a flow on one worker (io/sys/tun_steering.hpp): from the IPv6 side, the shard of
  // a static BIB entry for its source transport address, else shard6(seed6, shards, proto, source
  // address, source port); from the IPv4 side, Pool4::shard_of(destination address, destination
  // port). ICMP echo: the identifier is the port.
  struct StaticShard {
    uint8_t proto = 0;  // 6, 17 or 58
    Ipv6Addr addr6;
    uint16_t port6 = 0;
    unsigned shard = 0;
  };
  struct Sharding {
    uint64_t seed6 = 0;
    unsigned shards = 1;
    std::vector<StaticShard> statics;
  };
  virtual Sharding sharding() const = 0;
};

// The shard of a dynamic BIB entry for the IPv6 transport address (addr, port), proto 6, 17 or 58.
unsigned shard6(uint64_t seed6, unsigned shards, uint8_t proto, const Ipv6Addr& addr, uint16_t port);

// Per worker (not thread-safe); workers share one State.
class Translator {
 public:
  // `settings` must be the ones `state` was created with (the translator uses the State's own copy,
  // so neither needs to outlive the other's creation call).
  static std::unique_ptr<Translator> create(const Settings& settings, State& state);
  virtual ~Translator() = default;

  // Translates one packet from the TUN (IPv4 or IPv6 by its version nibble) at monotonic time
  // `now_ms`. Same contract as siit::Translator: Forward = out's packets (other family, or same
  // family after hairpinning), Reply = one ICMP error back, Drop = nothing, Held = nothing now.
  // out.data: at least 65535 + 4096 bytes — a reassembled datagram (RFC 6146 §3.4) is translated whole
  // and may be up to 65535 bytes even when `in` is one small fragment. A fragment kept for reassembly
  // (or an unsolicited SYN stored, RFC 6146 §3.5.2.2) returns Held with count 0 and is counted as
  // "held" (and "fragments-held"), not as a drop.
  virtual void translate(std::span<const uint8_t> in, uint64_t now_ms, xlat::Output& out) = 0;

  // The ICMP errors this translator makes itself go through `limit` (default: unlimited).
  virtual void limit_icmp_errors(const xlat::IcmpLimits& limit) = 0;

  // Visits this worker's counters: "in4", "in6", "out4", "out6", "icmp-errors-sent",
  // "icmp-errors-limited", "hairpinned", "held",
  // "drops.<reason>" (xlat reasons and NAT64 ones: "no-bib", "filtered", "pool4-exhausted",
  // "fragment-budget", ...). Names are stable: stats JSON and tests use them.
  virtual void visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const = 0;
};

}  // namespace sixfour::nat64
