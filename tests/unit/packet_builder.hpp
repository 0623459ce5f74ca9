// Test helper: builds IPv4/UDP/TCP/ICMPv4 packets byte by byte with valid checksums, and checks the
// checksums of IPv6 output from scratch (RFC 1071 over the whole message, never incrementally).
// The sums here are written out independently of common/checksum so a bug there cannot hide.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// Tests describe packets with designated initializers ({.ttl = 1, .df = true}) and rely on the
// default member initializers for the rest, which GCC's -Wextra reports as missing initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace v4to6test {

using Bytes = std::vector<uint8_t>;
using A4 = std::array<uint8_t, 4>;
using A6 = std::array<uint8_t, 16>;

inline uint16_t rd16(std::span<const uint8_t> p, size_t at) { return static_cast<uint16_t>((p[at] << 8) | p[at + 1]); }
inline uint32_t rd32(std::span<const uint8_t> p, size_t at) {
  return (uint32_t{p[at]} << 24) | (uint32_t{p[at + 1]} << 16) | (uint32_t{p[at + 2]} << 8) | p[at + 3];
}
inline void wr16(Bytes& p, size_t at, uint16_t v) {
  p[at] = static_cast<uint8_t>(v >> 8);
  p[at + 1] = static_cast<uint8_t>(v);
}
inline void put16(Bytes& p, uint16_t v) {
  p.push_back(static_cast<uint8_t>(v >> 8));
  p.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p, static_cast<uint16_t>(v));
}
inline void append(Bytes& p, std::span<const uint8_t> d) { p.insert(p.end(), d.begin(), d.end()); }

// Plain RFC 1071 sum, 16 bits at a time, folded at the end.
inline uint32_t raw_sum(std::span<const uint8_t> d, uint64_t s = 0) {
  for (size_t i = 0; i + 1 < d.size(); i += 2) s += (uint32_t{d[i]} << 8) | d[i + 1];
  if (d.size() % 2) s += uint32_t{d.back()} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint32_t>(s);
}
inline uint16_t cksum(std::span<const uint8_t> d, uint32_t s = 0) { return static_cast<uint16_t>(~raw_sum(d, s)); }

inline uint32_t pseudo4(const A4& s, const A4& d, uint8_t proto, uint16_t len) {
  Bytes p;
  append(p, s);
  append(p, d);
  p.push_back(0);
  p.push_back(proto);
  put16(p, len);
  return raw_sum(p);
}
inline uint32_t pseudo6(std::span<const uint8_t> s, std::span<const uint8_t> d, uint8_t nh, uint32_t len) {
  Bytes p;
  append(p, s);
  append(p, d);
  put32(p, len);
  put32(p, nh);
  return raw_sum(p);
}

inline Bytes pattern(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return b;
}

struct V4Opts {
  uint8_t tos = 0;
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  bool df = false;
  bool mf = false;
  uint16_t frag_off = 0;  // 8-byte units
  Bytes options;          // must be a multiple of 4 bytes
  int total_len = -1;     // override Total Length (for malformed packets)
};

// An IPv4 packet with a correct header checksum.
inline Bytes ipv4(uint8_t proto, const A4& src, const A4& dst, std::span<const uint8_t> payload, const V4Opts& o = {}) {
  Bytes p;
  const size_t ihl = 20 + o.options.size();
  p.push_back(static_cast<uint8_t>(0x40 | (ihl / 4)));
  p.push_back(o.tos);
  put16(p, static_cast<uint16_t>(o.total_len >= 0 ? o.total_len : static_cast<int>(ihl + payload.size())));
  put16(p, o.id);
  put16(p, static_cast<uint16_t>((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | o.frag_off));
  p.push_back(o.ttl);
  p.push_back(proto);
  put16(p, 0);
  append(p, src);
  append(p, dst);
  append(p, o.options);
  wr16(p, 10, cksum({p.data(), ihl}));
  append(p, payload);
  return p;
}

// A UDP datagram (header + data) whose checksum includes the IPv4 pseudo-header (RFC 768), or 0.
inline Bytes udp(const A4& src, const A4& dst, uint16_t sport, uint16_t dport, std::span<const uint8_t> data,
                 bool zero_checksum = false) {
  Bytes u;
  put16(u, sport);
  put16(u, dport);
  put16(u, static_cast<uint16_t>(8 + data.size()));
  put16(u, 0);
  append(u, data);
  if (!zero_checksum) {
    uint16_t c = cksum(u, pseudo4(src, dst, 17, static_cast<uint16_t>(u.size())));
    wr16(u, 6, c == 0 ? 0xffff : c);
  }
  return u;
}

// A TCP segment with a 20-byte header (ACK|PSH) and a valid checksum (RFC 793 pseudo-header).
inline Bytes tcp(const A4& src, const A4& dst, uint16_t sport, uint16_t dport, std::span<const uint8_t> data) {
  Bytes t;
  put16(t, sport);
  put16(t, dport);
  put32(t, 0x01020304);  // sequence
  put32(t, 0x0a0b0c0d);  // acknowledgment
  t.push_back(0x50);     // data offset 5
  t.push_back(0x18);     // ACK PSH
  put16(t, 0xffff);      // window
  put16(t, 0);           // checksum
  put16(t, 0);           // urgent
  append(t, data);
  wr16(t, 16, cksum(t, pseudo4(src, dst, 6, static_cast<uint16_t>(t.size()))));
  return t;
}

// An ICMPv4 message: type, code, checksum, the 32-bit "rest of header" word, body (RFC 792).
inline Bytes icmp4(uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> body) {
  Bytes m;
  m.push_back(type);
  m.push_back(code);
  put16(m, 0);
  put32(m, rest);
  append(m, body);
  wr16(m, 2, cksum(m));
  return m;
}

// Checks an IPv6 upper-layer checksum from scratch: the pseudo-header (RFC 8200 §8.1) plus the whole
// upper-layer message must sum to 0xffff.
inline bool v6_l4_checksum_ok(std::span<const uint8_t> src6, std::span<const uint8_t> dst6, uint8_t nh,
                              std::span<const uint8_t> l4) {
  return raw_sum(l4, pseudo6(src6, dst6, nh, static_cast<uint32_t>(l4.size()))) == 0xffff;
}
inline bool v4_header_checksum_ok(std::span<const uint8_t> p) {
  const size_t ihl = size_t{p[0] & 0xfu} * 4;
  return raw_sum(p.first(ihl)) == 0xffff;
}

}  // namespace v4to6test
