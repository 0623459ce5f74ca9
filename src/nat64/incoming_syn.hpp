// RFC 6146 §3.5.2.2: unsolicited IPv4 SYNs are stored for TCP_INCOMING_SYN seconds (6 by default).
//
// A SYN from the IPv4 side to a pool4 transport address with no BIB entry (or, with address-dependent
// filtering, from a peer the inside host never contacted) may be half of a simultaneous open: the
// inside host may be about to send its own SYN to that peer. So the NAT64 keeps it instead of
// answering at once. If the inside host's SYN for the same connection arrives in time, the stored SYN
// is discarded silently (the peer's retransmission then completes the open through the new session).
// If not, the NAT64 answers the stored SYN with ICMP Destination Unreachable, Port Unreachable
// (type 3 code 3) from the pool4 address it was sent to, and forgets it.
//
// Only the start of the SYN is kept: what an ICMPv4 error quotes (RFC 792: the IP header and at least
// 64 bits of data; here the whole TCP header too). The store is bounded; when full, further SYNs are
// dropped without storage (counted), so a SYN flood costs a fixed amount of memory.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <unordered_map>

#include "addr/ip.hpp"

namespace sixfour::nat64 {

class IncomingSyns {
 public:
  // `lifetime_ms` = TCP_INCOMING_SYN; `capacity` bounds the number of stored SYNs; `hop_change` is
  // the translator's (xlat::Config): the quote gets back the TTL the SYN reached the host with.
  IncomingSyns(uint64_t lifetime_ms, size_t capacity, int8_t hop_change = 0)
      : lifetime_ms_(lifetime_ms), capacity_(capacity), hop_change_(hop_change) {}

  // Stores `syn` (a complete IPv4 packet: the SYN to pool4 `addr4`#`port4` from `remote4`#`rport`).
  // false when the store is full (the SYN is then just dropped). A repeated SYN for a connection
  // already stored keeps the first deadline (a retransmission does not extend the wait).
  bool hold(std::span<const uint8_t> syn, Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport,
            uint64_t now_ms);

  // The inside host opened that connection itself: the stored SYN (if any) is discarded, unanswered.
  // Cheap when nothing is stored (one atomic load), as it is called for every outgoing SYN.
  void forget(Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport);

  // Answers and forgets every SYN whose time is up: `send` receives each ICMPv4 Port Unreachable
  // (to be sent on the IPv4 side). Returns how many expired.
  size_t expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& send);

  size_t size() const { return count_.load(std::memory_order_relaxed); }
  uint64_t held() const { return held_.load(std::memory_order_relaxed); }            // stored, in total
  uint64_t overflowed() const { return overflow_.load(std::memory_order_relaxed); }  // store full
  uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }    // Port Unreachable sent
  uint64_t matched() const { return matched_.load(std::memory_order_relaxed); }      // discarded by an inside SYN

 private:
  // IPv4 header (with options, up to 60) + TCP header (20; options not needed for the quote).
  static constexpr size_t kQuote = 80;
  struct Stored {
    uint64_t deadline_ms;
    uint8_t len;
    std::array<uint8_t, kQuote> bytes;
    Ipv4Addr addr4;
  };
  static uint64_t key(Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport) {
    return (uint64_t{addr4.to_u32()} << 32 | remote4.to_u32()) ^
           (uint64_t{port4} << 16 | rport) * 0x9e3779b97f4a7c15ull;
  }

  const uint64_t lifetime_ms_;
  const size_t capacity_;
  const int8_t hop_change_;
  std::mutex mu_;
  // key() is not injective; the stored bytes hold the full 4-tuple and are checked on forget().
  std::unordered_multimap<uint64_t, Stored> stored_;
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> held_{0}, overflow_{0}, answered_{0}, matched_{0};
};

}  // namespace sixfour::nat64
