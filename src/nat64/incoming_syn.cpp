#include "nat64/incoming_syn.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/bytes.hpp"
#include "xlat/icmpv4_errors.hpp"

namespace sixfour::nat64 {

namespace {

// The 4-tuple of a stored SYN, read back from its bytes (the IPv4 header is validated by the caller).
bool same_connection(const uint8_t* p, size_t len, Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport) {
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  if (len < ihl + 4) return false;
  return std::memcmp(p + 12, remote4.b.data(), 4) == 0 && std::memcmp(p + 16, addr4.b.data(), 4) == 0 &&
         load16(p + ihl) == rport && load16(p + ihl + 2) == port4;
}

}  // namespace

bool IncomingSyns::hold(std::span<const uint8_t> syn, Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport,
                        uint64_t now_ms) {
  if (syn.size() < 20) return false;
  const uint64_t k = key(addr4, port4, remote4, rport);
  std::lock_guard lock(mu_);
  auto [lo, hi] = stored_.equal_range(k);
  for (auto it = lo; it != hi; ++it)
    if (same_connection(it->second.bytes.data(), it->second.len, addr4, port4, remote4, rport)) return true;
  if (stored_.size() >= capacity_) {
    overflow_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Stored s{};
  s.deadline_ms = now_ms + lifetime_ms_;
  s.len = static_cast<uint8_t>(std::min(syn.size(), kQuote));
  std::memcpy(s.bytes.data(), syn.data(), s.len);
  s.addr4 = addr4;
  stored_.emplace(k, s);
  count_.store(stored_.size(), std::memory_order_relaxed);
  held_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void IncomingSyns::forget(Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(mu_);
  auto [lo, hi] = stored_.equal_range(key(addr4, port4, remote4, rport));
  for (auto it = lo; it != hi; ++it) {
    if (same_connection(it->second.bytes.data(), it->second.len, addr4, port4, remote4, rport)) {
      stored_.erase(it);
      count_.store(stored_.size(), std::memory_order_relaxed);
      matched_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

size_t IncomingSyns::expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& send) {
  if (count_.load(std::memory_order_relaxed) == 0) return 0;
  std::vector<Stored> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = stored_.begin(); it != stored_.end();) {
      if (it->second.deadline_ms <= now_ms) {
        due.push_back(it->second);
        it = stored_.erase(it);
      } else {
        ++it;
      }
    }
    count_.store(stored_.size(), std::memory_order_relaxed);
  }
  // The store is small (bounded) and visited only while non-empty, so a scan is fine here; the
  // errors are built outside the lock.
  std::array<uint8_t, xlat::icmpv4::kMaxErrorSize> buf;
  for (const Stored& s : due) {
    // "the NAT64 SHOULD send an ICMP Port Unreachable error (Type 3, Code 3) to the IPv4 source":
    // from the pool4 address the SYN was sent to, quoting the SYN.
    const size_t n =
        xlat::icmpv4::build_error({s.bytes.data(), s.len}, xlat::icmpv4::kDestUnreachable, 3, 0, s.addr4, buf);
    if (n == 0) continue;
    xlat::icmpv4::restore_quoted_ttl({buf.data(), n}, hop_change_);
    answered_.fetch_add(1, std::memory_order_relaxed);
    if (send) send({buf.data(), n});
  }
  return due.size();
}

}  // namespace sixfour::nat64
