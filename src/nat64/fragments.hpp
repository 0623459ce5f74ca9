// Reassembly of fragmented packets for the NAT64 (RFC 6146 §3.4: "the NAT64 needs to reassemble" to
// find the transport identifiers that only the first fragment carries; RFC 7915 §5.2 / §4.2: an ICMP
// checksum cannot be translated fragment by fragment). IPv4 fragments (RFC 791) and IPv6 fragments
// (RFC 8200 §4.5) are collected per datagram; the complete datagram is handed back as one packet and
// translated whole — xlat/ fragments the result again where the next MTU needs it.
//
// Bounded: all datagrams together hold at most `budget` bytes (payload + a fixed per-datagram
// overhead); a datagram not complete within `timeout_ms` of its first fragment is discarded.
// Overlapping fragments discard the whole datagram (RFC 5722 for IPv6; the same for IPv4, where
// overlaps only serve evasion); an exact duplicate is ignored. Thread-safe (one mutex: fragments
// are the exception, not the hot path; the per-datagram buffers are allocated here).
#pragma once
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace sixfour::nat64 {

class Reassembler {
 public:
  Reassembler(uint32_t budget, uint32_t timeout_ms, uint64_t secret);
  ~Reassembler();

  enum class Status : uint8_t {
    Held,       // kept, datagram not complete yet
    Complete,   // `out` holds the whole datagram (`len` bytes)
    Malformed,  // not a usable fragment (dropped)
    Overlap,    // overlapped an earlier fragment: the datagram is discarded
    Budget,     // no memory left for it: dropped
  };
  // `pkt` is a fragment as received (IPv4: MF or offset set; IPv6: has a Fragment header that is not
  // atomic). The complete IPv4 datagram has a 20-byte header (options dropped), no fragment fields;
  // the complete IPv6 datagram keeps an atomic Fragment header (offset 0, M 0, same Identification)
  // so that the translated IPv4 packet keeps DF=0 (RFC 7915 §5.1.1) and may be fragmented again.
  Status add4(std::span<const uint8_t> pkt, uint64_t now_ms, std::span<uint8_t> out, size_t& len);
  Status add6(std::span<const uint8_t> pkt, uint64_t now_ms, std::span<uint8_t> out, size_t& len);

  // Discards datagrams older than the timeout (only the due ones are looked at). Returns how many.
  // `first_fragment` receives, for each discarded datagram whose first fragment had arrived (also
  // those discarded meanwhile by add*(), up to kPendingMax), that fragment as received (its headers
  // and data, at most kFirstQuote bytes): RFC 792 / RFC 8200 §4.5 answer it with Time Exceeded,
  // code 1.
  uint64_t expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& first_fragment = {});
  static constexpr size_t kFirstQuote = 1232;  // what an ICMPv6 error can quote (1280 - 48)
  static constexpr size_t kPendingMax = 64;

  uint64_t bytes_held() const;
  uint64_t datagrams_held() const;
  uint64_t timed_out() const;

 private:
  struct Datagram;
  struct Key {
    uint8_t family;  // 4 or 6
    uint8_t proto;
    uint32_t id;
    uint8_t src[16], dst[16];
    bool operator==(const Key& o) const;
  };
  struct KeyHash {
    uint64_t seed;
    size_t operator()(const Key& k) const;
  };
  Status add(const Key& k, std::span<const uint8_t> header, uint32_t offset, std::span<const uint8_t> data, bool more,
             uint64_t now, std::span<uint8_t> out, size_t& len, std::span<const uint8_t> as_received);
  void discard(std::unordered_map<Key, std::unique_ptr<Datagram>, KeyHash>::iterator it);
  uint64_t expire_locked(uint64_t now);

  const uint32_t budget_, timeout_ms_;
  mutable std::mutex mu_;
  std::unordered_map<Key, std::unique_ptr<Datagram>, KeyHash> map_;
  std::list<std::pair<uint64_t, Key>> fifo_;  // (serial, key) in arrival order = deadline order
  uint64_t serial_ = 0;
  uint64_t bytes_ = 0;
  uint64_t timed_out_ = 0;
  std::vector<std::vector<uint8_t>> timed_out_firsts_;  // first fragments of timed-out datagrams, not yet handed out
};

}  // namespace sixfour::nat64
