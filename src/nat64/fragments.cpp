#include "nat64/fragments.hpp"

#include <algorithm>
#include <cstring>

#include "nat64/hash.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::nat64 {

namespace {

constexpr size_t kOverhead = 256;         // per datagram: bookkeeping charged against the budget
constexpr size_t kFirstHeadersMax = 128;  // first fragment's headers kept (part of kOverhead)
uint16_t ld16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void st16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

}  // namespace

struct Reassembler::Datagram {
  uint64_t serial = 0;
  uint64_t deadline = 0;
  std::vector<uint8_t> header;                      // from the offset-0 fragment
  std::vector<uint8_t> first_headers;               // the offset-0 fragment's headers as received
  uint32_t first_len = 0;                           // and how much data it carried (Time Exceeded quotes both)
  std::vector<uint8_t> data;                        // the fragmentable part, by offset
  std::vector<std::pair<uint32_t, uint32_t>> have;  // received [begin, end) ranges
  uint32_t total = 0;                               // known once the last fragment arrived
  bool have_last = false;
  size_t charged = 0;
};

bool Reassembler::Key::operator==(const Key& o) const {
  return family == o.family && proto == o.proto && id == o.id && std::memcmp(src, o.src, 16) == 0 &&
         std::memcmp(dst, o.dst, 16) == 0;
}

size_t Reassembler::KeyHash::operator()(const Key& k) const {
  uint8_t b[40] = {};
  b[0] = k.family;
  b[1] = k.proto;
  std::memcpy(b + 2, &k.id, 4);
  std::memcpy(b + 6, k.src, 16);
  std::memcpy(b + 22, k.dst, 16);
  return static_cast<size_t>(hash_bytes(seed, b, sizeof b));
}

Reassembler::Reassembler(uint32_t budget, uint32_t timeout_ms, uint64_t secret)
    : budget_(budget), timeout_ms_(timeout_ms), map_(16, KeyHash{secret}) {}

Reassembler::~Reassembler() = default;

void Reassembler::discard(std::unordered_map<Key, std::unique_ptr<Datagram>, KeyHash>::iterator it) {
  bytes_ -= it->second->charged;
  map_.erase(it);  // its FIFO entry goes stale (serial mismatch) and is skipped later
}

uint64_t Reassembler::expire_locked(uint64_t now) {
  uint64_t n = 0;
  while (!fifo_.empty()) {
    auto it = map_.find(fifo_.front().second);
    if (it != map_.end() && it->second->serial == fifo_.front().first) {
      if (it->second->deadline > now) break;
      // RFC 792 / RFC 8200 §4.5: Time Exceeded (fragment reassembly) when the first fragment came;
      // expire() hands that fragment out to whoever can send the error.
      const Datagram& d = *it->second;
      if (!d.first_headers.empty() && timed_out_firsts_.size() < kPendingMax) {
        std::vector<uint8_t> q = d.first_headers;
        const size_t n = std::min<size_t>(d.first_len, kFirstQuote - std::min(kFirstQuote, q.size()));
        q.insert(q.end(), d.data.begin(), d.data.begin() + static_cast<long>(n));
        timed_out_firsts_.push_back(std::move(q));
      }
      discard(it);
      ++n;
    }
    fifo_.pop_front();
  }
  timed_out_ += n;
  return n;
}

uint64_t Reassembler::expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& first_fragment) {
  std::vector<std::vector<uint8_t>> firsts;
  uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    n = expire_locked(now_ms);
    firsts.swap(timed_out_firsts_);
  }
  if (first_fragment)
    for (const auto& f : firsts) first_fragment(f);
  return n;
}

Reassembler::Status Reassembler::add(const Key& k, std::span<const uint8_t> header, uint32_t offset,
                                     std::span<const uint8_t> data, bool more, uint64_t now, std::span<uint8_t> out,
                                     size_t& len, std::span<const uint8_t> as_received) {
  const uint32_t end = offset + static_cast<uint32_t>(data.size());
  // Every fragment but the last carries a multiple of 8 bytes; nothing reaches past 65535.
  if ((more && data.size() % 8 != 0) || data.empty() || end > 65535 - header.size()) return Status::Malformed;

  std::lock_guard lock(mu_);
  expire_locked(now);
  auto it = map_.find(k);
  if (it == map_.end()) {
    if (bytes_ + kOverhead + data.size() > budget_) return Status::Budget;
    auto d = std::make_unique<Datagram>();
    d->serial = ++serial_;
    d->deadline = now + timeout_ms_;
    d->charged = kOverhead;
    bytes_ += kOverhead;
    fifo_.emplace_back(d->serial, k);
    it = map_.emplace(k, std::move(d)).first;
  }
  Datagram& d = *it->second;
  for (auto [b, e] : d.have) {
    if (b == offset && e == end) return Status::Held;  // exact duplicate
    if (offset < e && b < end) {
      discard(it);
      return Status::Overlap;
    }
  }
  if ((d.have_last && end > d.total) || (!more && d.have_last) || (!more && end < d.data.size())) {
    // A second last fragment, or data beyond the end: inconsistent, like an overlap.
    discard(it);
    return Status::Overlap;
  }
  const size_t grow = end > d.data.size() ? end - d.data.size() : 0;
  if (bytes_ + grow > budget_) {
    discard(it);
    return Status::Budget;
  }
  if (grow) d.data.resize(end);
  d.charged += grow;
  bytes_ += grow;
  std::memcpy(d.data.data() + offset, data.data(), data.size());
  d.have.emplace_back(offset, end);
  if (offset == 0) {
    d.header.assign(header.begin(), header.end());
    // Its headers as received, for the Time Exceeded that quotes the fragment (within kOverhead).
    const size_t hdr = as_received.size() - data.size();
    if (hdr <= kFirstHeadersMax)
      d.first_headers.assign(as_received.begin(), as_received.begin() + static_cast<long>(hdr));
    d.first_len = static_cast<uint32_t>(data.size());
  }
  if (!more) {
    d.have_last = true;
    d.total = end;
  }
  if (!d.have_last || d.header.empty()) return Status::Held;
  // Complete when the ranges cover [0, total) without a gap.
  std::sort(d.have.begin(), d.have.end());
  uint32_t covered = 0;
  for (auto [b, e] : d.have) {
    if (b > covered) return Status::Held;
    covered = std::max(covered, e);
  }
  if (covered < d.total) return Status::Held;

  len = d.header.size() + d.total;
  if (len > out.size()) {
    discard(it);
    return Status::Budget;
  }
  std::memcpy(out.data(), d.header.data(), d.header.size());
  std::memcpy(out.data() + d.header.size(), d.data.data(), d.total);
  discard(it);
  return Status::Complete;
}

Reassembler::Status Reassembler::add4(std::span<const uint8_t> pkt, uint64_t now, std::span<uint8_t> out, size_t& len) {
  if (pkt.size() < 20) return Status::Malformed;
  const size_t ihl = size_t{pkt[0] & 0x0fu} * 4;
  const size_t total = ld16(pkt.data() + 2);
  if (ihl < 20 || total < ihl || total > pkt.size()) return Status::Malformed;
  Key k{};
  k.family = 4;
  k.proto = pkt[9];
  k.id = ld16(pkt.data() + 4);
  std::memcpy(k.src, pkt.data() + 12, 4);
  std::memcpy(k.dst, pkt.data() + 16, 4);
  const uint16_t frag = ld16(pkt.data() + 6);
  // The reassembled header: the first fragment's, without options and fragment fields.
  uint8_t h[20];
  std::memcpy(h, pkt.data(), 20);
  h[0] = 0x45;
  Status s = add(k, {h, 20}, uint32_t{frag & 0x1fffu} * 8, pkt.subspan(ihl, total - ihl), (frag & 0x2000) != 0, now,
                 out, len, pkt.first(total));
  if (s == Status::Complete) {
    st16(out.data() + 2, static_cast<uint16_t>(len));
    st16(out.data() + 6, 0);
    st16(out.data() + 10, 0);
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2) sum += ld16(out.data() + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    st16(out.data() + 10, static_cast<uint16_t>(~sum));
  }
  return s;
}

Reassembler::Status Reassembler::add6(std::span<const uint8_t> pkt, uint64_t now, std::span<uint8_t> out, size_t& len) {
  if (pkt.size() < 40) return Status::Malformed;
  const size_t plen = ld16(pkt.data() + 4);
  if (plen == 0 || 40 + plen > pkt.size()) return Status::Malformed;
  pkt = pkt.first(40 + plen);
  xlat::Ipv6Chain c;
  if (xlat::walk_ipv6_chain(pkt, c) != xlat::ChainStatus::Ok || !c.has_frag) return Status::Malformed;
  Key k{};
  k.family = 6;
  k.proto = c.proto;
  k.id = c.frag_id;
  std::memcpy(k.src, pkt.data() + 8, 16);
  std::memcpy(k.dst, pkt.data() + 24, 16);
  // The reassembled header: IPv6 header (extension headers before the Fragment header dropped: they
  // are not translated, RFC 7915 §5.1) + an atomic Fragment header with the same Identification.
  uint8_t h[48];
  std::memcpy(h, pkt.data(), 40);
  h[6] = 44;
  h[40] = c.proto;
  h[41] = 0;
  st16(h + 42, 0);
  h[44] = static_cast<uint8_t>(c.frag_id >> 24);
  h[45] = static_cast<uint8_t>(c.frag_id >> 16);
  h[46] = static_cast<uint8_t>(c.frag_id >> 8);
  h[47] = static_cast<uint8_t>(c.frag_id);
  Status s = add(k, {h, 48}, uint32_t{c.frag_offset} * 8, pkt.subspan(c.l4_off), c.frag_more, now, out, len, pkt);
  if (s == Status::Complete) st16(out.data() + 4, static_cast<uint16_t>(len - 40));
  return s;
}

uint64_t Reassembler::bytes_held() const {
  std::lock_guard lock(mu_);
  return bytes_;
}
uint64_t Reassembler::datagrams_held() const {
  std::lock_guard lock(mu_);
  return map_.size();
}
uint64_t Reassembler::timed_out() const {
  std::lock_guard lock(mu_);
  return timed_out_;
}

}  // namespace sixfour::nat64
