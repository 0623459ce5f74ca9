// Port blocks (RFC 7422 style, RFC 6888 REQ-14 "bulk port allocation"): with a block size N, an
// inside IPv6 address gets whole blocks of N consecutive ports on one pool4 address, and its BIB
// entries take their ports from its blocks only. An operator then logs one line per block
// ("2001:db8:6::5 has 203.0.113.3 ports 4096-4159 from T1 to T2") instead of one per session,
// and a complaint about an IPv4 address and port finds its inside host from that line alone.
//
// The blocks of each pool4 entry are numbered: address by address, block b covering ports
// lo + b*N .. lo + (b+1)*N - 1 (the ports past the last whole block are not used). A host's first
// block is chosen by a keyed hash of its address (so the choice cannot be predicted from outside
// and the same host tends to get the same block back), then the next free one in order. A block is
// the host's until its last BIB entry goes. Pure bookkeeping; StateImpl holds the lock.
#pragma once
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "addr/ip.hpp"
#include "nat64/settings.hpp"

namespace sixfour::nat64 {

class PortBlocks {
 public:
  struct Block {
    Ipv4Addr addr;
    uint16_t first = 0, last = 0;
  };

  // `size` 0 = no blocks (enabled() false). Every entry must hold at least one block.
  PortBlocks(const std::vector<Pool4Entry>& pool, uint32_t size, uint64_t secret);

  bool enabled() const { return size_ != 0; }
  uint64_t total() const { return total_; }
  uint64_t in_use() const { return owner_.size(); }

  Block block(uint64_t id) const;
  // The block holding (addr, port); nullopt outside every block (past the last whole block of an
  // entry's range, or not in pool4).
  std::optional<uint64_t> block_of(Ipv4Addr addr, uint16_t port) const;
  // The blocks `host` holds, oldest first (empty: none).
  const std::vector<uint64_t>& blocks_of(const Ipv6Addr& host) const;
  // A free block for `host`, now its; nullopt when every block is taken.
  std::optional<uint64_t> claim(const Ipv6Addr& host);
  // One BIB entry more / less in block `id`; release() returns true when that was the last one
  // and the block is free again. give_back() frees a block claimed but never used.
  void hold(uint64_t id) { ++owner_.at(id).entries; }
  bool release(uint64_t id);
  void give_back(uint64_t id);
  // The host a block belongs to (for the log line of its release).
  const Ipv6Addr& owner(uint64_t id) const { return owner_.at(id).host; }

 private:
  struct Range {
    Ipv4Prefix prefix;
    uint16_t lo;
    uint32_t per_addr;  // whole blocks per address
    uint64_t first_id;  // id of the range's first block
    uint64_t count;     // blocks in the range
  };
  struct Owned {
    Ipv6Addr host;
    uint32_t entries = 0;
  };
  struct HostHash {  // keyed: inside hosts choose their addresses, so they must not choose the buckets
    uint64_t seed;
    size_t operator()(const Ipv6Addr& a) const;
  };
  void forget(uint64_t id);

  uint32_t size_;
  uint64_t secret_;
  uint64_t total_ = 0;
  std::vector<Range> ranges_;
  std::unordered_map<uint64_t, Owned> owner_;
  std::unordered_map<Ipv6Addr, std::vector<uint64_t>, HostHash> by_host_;
};

}  // namespace sixfour::nat64
