#include "nat64/port_blocks.hpp"

#include <algorithm>

#include "nat64/hash.hpp"

namespace sixfour::nat64 {

PortBlocks::PortBlocks(const std::vector<Pool4Entry>& pool, uint32_t size, uint64_t secret)
    : size_(size), secret_(secret), by_host_(0, HostHash{mix64(secret ^ 0x4057)}) {
  if (size_ == 0) return;
  for (const Pool4Entry& e : pool) {
    const uint32_t per_addr = (uint32_t{e.hi} - e.lo + 1) / size_;
    const uint64_t addrs = uint64_t{1} << (32 - e.prefix.len);
    ranges_.push_back(Range{e.prefix, e.lo, per_addr, total_, addrs * per_addr});
    total_ += addrs * per_addr;
  }
}

size_t PortBlocks::HostHash::operator()(const Ipv6Addr& a) const { return hash_bytes(seed, a.b.data(), 16); }

PortBlocks::Block PortBlocks::block(uint64_t id) const {
  for (const Range& r : ranges_) {
    if (id >= r.first_id + r.count) continue;
    const uint64_t i = id - r.first_id;
    const uint32_t b = static_cast<uint32_t>(i % r.per_addr);
    const auto first = static_cast<uint16_t>(r.lo + b * size_);
    return Block{Ipv4Addr::from_u32(r.prefix.addr.to_u32() + static_cast<uint32_t>(i / r.per_addr)), first,
                 static_cast<uint16_t>(first + size_ - 1)};
  }
  return Block{};
}

std::optional<uint64_t> PortBlocks::block_of(Ipv4Addr addr, uint16_t port) const {
  for (const Range& r : ranges_) {
    if (!r.prefix.contains(addr) || port < r.lo) continue;
    const uint32_t b = (uint32_t{port} - r.lo) / size_;
    if (b >= r.per_addr) return std::nullopt;
    return r.first_id + uint64_t{addr.to_u32() - r.prefix.addr.to_u32()} * r.per_addr + b;
  }
  return std::nullopt;
}

const std::vector<uint64_t>& PortBlocks::blocks_of(const Ipv6Addr& host) const {
  static const std::vector<uint64_t> none;
  auto it = by_host_.find(host);
  return it == by_host_.end() ? none : it->second;
}

std::optional<uint64_t> PortBlocks::claim(const Ipv6Addr& host) {
  if (owner_.size() >= total_) return std::nullopt;
  const uint64_t start = hash_bytes(secret_, host.b.data(), 16) % total_;
  for (uint64_t i = 0; i < total_; ++i) {
    const uint64_t id = (start + i) % total_;
    if (owner_.contains(id)) continue;
    owner_.emplace(id, Owned{host, 0});
    by_host_[host].push_back(id);
    return id;
  }
  return std::nullopt;
}

bool PortBlocks::release(uint64_t id) {
  auto it = owner_.find(id);
  if (it == owner_.end() || it->second.entries == 0) return false;
  if (--it->second.entries > 0) return false;
  forget(id);
  return true;
}

void PortBlocks::give_back(uint64_t id) {
  auto it = owner_.find(id);
  if (it != owner_.end() && it->second.entries == 0) forget(id);
}

void PortBlocks::forget(uint64_t id) {
  auto it = owner_.find(id);
  auto h = by_host_.find(it->second.host);
  if (h != by_host_.end()) {
    std::erase(h->second, id);
    if (h->second.empty()) by_host_.erase(h);
  }
  owner_.erase(it);
}

}  // namespace sixfour::nat64
