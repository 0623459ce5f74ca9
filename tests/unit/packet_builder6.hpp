// Byte-by-byte IPv6 packet construction for the RFC 7915 §5 (IPv6 -> IPv4) tests, plus checksum and
// header checks on IPv4 output that recompute everything from scratch. The checksum code here is a
// deliberately naive RFC 1071 sum, independent of src/common/checksum.cpp.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "addr/ip.hpp"
#include "xlat/config.hpp"
#include "xlat/ipv6_to_ipv4.hpp"
#include "xlat/mapper.hpp"
#include "xlat/verdict.hpp"

namespace pb6 {

using Bytes = std::vector<uint8_t>;

inline std::array<uint8_t, 16> a6(const char* text) { return sixfour::Ipv6Addr::parse(text).value().b; }
inline std::array<uint8_t, 4> a4(const char* text) { return sixfour::Ipv4Addr::parse(text).value().b; }

inline uint16_t rd16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b.at(off) << 8 | b.at(off + 1)); }
inline uint32_t rd32(const Bytes& b, size_t off) { return uint32_t{rd16(b, off)} << 16 | rd16(b, off + 2); }
inline void wr16(Bytes& b, size_t off, uint16_t v) {
  b.at(off) = static_cast<uint8_t>(v >> 8);
  b.at(off + 1) = static_cast<uint8_t>(v);
}
inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
template <size_t N>
inline void put(Bytes& b, const std::array<uint8_t, N>& a) {
  b.insert(b.end(), a.begin(), a.end());
}
inline void put(Bytes& b, const Bytes& a) { b.insert(b.end(), a.begin(), a.end()); }

// RFC 1071, one 16-bit word at a time, folded at the end.
inline uint32_t naive_sum(const uint8_t* p, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) s += uint32_t(p[n - 1] << 8);
  return s;
}
inline uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// ---- IPv6 building ----------------------------------------------------------------------------

struct Ip6 {
  uint8_t tc = 0;
  uint32_t flow = 0;
  uint8_t hlim = 64;
  const char* src = "2001:db8:1::5";
  const char* dst = "2001:db8:64::c000:201";
};

// IPv6 header (RFC 8200 §3) + `payload` (extension headers and upper layer) with Payload Length =
// payload.size().
inline Bytes ipv6(const Ip6& h, uint8_t next_header, const Bytes& payload) {
  Bytes b;
  put32(b, (6u << 28) | (uint32_t{h.tc} << 20) | (h.flow & 0xfffff));
  put16(b, static_cast<uint16_t>(payload.size()));
  b.push_back(next_header);
  b.push_back(h.hlim);
  put(b, a6(h.src));
  put(b, a6(h.dst));
  put(b, payload);
  return b;
}

// Hop-by-Hop or Destination Options header (RFC 8200 §4.3/4.6) of 8*(len8+1) bytes, padded with PadN.
inline Bytes opts_header(uint8_t next_header, uint8_t len8 = 0) {
  Bytes b{next_header, len8};
  const size_t pad = size_t{len8} * 8 + 6;
  b.push_back(1);  // PadN
  b.push_back(static_cast<uint8_t>(pad - 2));
  b.insert(b.end(), pad - 2, 0);
  return b;
}

// Type 0-style Routing header (RFC 8200 §4.4) with one address.
inline Bytes routing_header(uint8_t next_header, uint8_t segments_left, uint8_t routing_type = 253) {
  Bytes b{next_header, 2, routing_type, segments_left, 0, 0, 0, 0};
  put(b, a6("2001:db8:99::1"));
  return b;
}

// Fragment header (RFC 8200 §4.5). offset8 in 8-octet units.
inline Bytes fragment_header(uint8_t next_header, uint16_t offset8, bool more, uint32_t id) {
  Bytes b{next_header, 0};
  put16(b, static_cast<uint16_t>(offset8 << 3 | (more ? 1 : 0)));
  put32(b, id);
  return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& data) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(8 + data.size()));
  put16(b, 0);  // filled by fill_checksum6
  put(b, data);
  return b;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, const Bytes& data) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, 0x01020304);  // sequence
  put32(b, 0x0a0b0c0d);  // ack
  b.push_back(0x50);     // data offset 5
  b.push_back(0x18);     // PSH|ACK
  put16(b, 0xffff);      // window
  put16(b, 0);           // checksum
  put16(b, 0);           // urgent
  put(b, data);
  return b;
}

inline Bytes icmp6(uint8_t type, uint8_t code, uint32_t word, const Bytes& body) {
  Bytes b{type, code, 0, 0};
  put32(b, word);
  put(b, body);
  return b;
}

inline Bytes pattern(size_t n, uint8_t seed = 0x30) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

// RFC 8200 §8.1 checksum of the upper layer at `l4_off` (checksum field at l4_off + ck_rel), with
// `ulen` as the upper-layer length (defaults to the rest of the packet).
inline void fill_checksum6(Bytes& p, size_t l4_off, uint8_t proto, size_t ck_rel, size_t ulen = 0) {
  if (ulen == 0) ulen = p.size() - l4_off;
  wr16(p, l4_off + ck_rel, 0);
  uint32_t s = naive_sum(p.data() + 8, 32);
  s += uint32_t(ulen >> 16) + uint32_t(ulen & 0xffff) + proto;
  s = naive_sum(p.data() + l4_off, p.size() - l4_off, s);
  wr16(p, l4_off + ck_rel, static_cast<uint16_t>(~fold(s)));
}

// ---- IPv4 output checks -----------------------------------------------------------------------

inline bool ipv4_header_checksum_ok(const Bytes& p) {
  return p.size() >= 20 && fold(naive_sum(p.data(), 20)) == 0xffff;
}

// TCP/UDP (with RFC 768/793 pseudo-header) or ICMP (none) checksum of a complete IPv4 packet.
inline bool ipv4_l4_checksum_ok(const Bytes& p) {
  const size_t ihl = (p.at(0) & 0xf) * 4u;
  const uint8_t proto = p.at(9);
  const size_t ulen = rd16(p, 2) - ihl;
  uint32_t s = 0;
  if (proto == 6 || proto == 17) {
    s = naive_sum(p.data() + 12, 8);
    s += proto + uint32_t(ulen);
  }
  s = naive_sum(p.data() + ihl, ulen, s);
  return fold(s) == 0xffff;
}

inline bool ipv6_icmp_checksum_ok(const Bytes& p) {
  const size_t ulen = p.size() - 40;
  uint32_t s = naive_sum(p.data() + 8, 32);
  s += uint32_t(ulen >> 16) + uint32_t(ulen & 0xffff) + 58;
  s = naive_sum(p.data() + 40, ulen, s);
  return fold(s) == 0xffff;
}

// ---- The test mapper --------------------------------------------------------------------------

// pool6 2001:db8:64::/96 (RFC 6052 /96: the IPv4 address is the last 32 bits), the client
// 2001:db8:1::5 <-> 198.51.100.5 (an EAM-like fixed entry), 203.0.113.254 as the RFC 6791 source for
// ICMP errors from untranslatable IPv6 routers. 192.0.2.66 is "prohibited". The client's port (or
// echo identifier) 1111 becomes 2222, so that transport rewriting is exercised.
class TestMapper : public sixfour::xlat::Mapper {
 public:
  struct Call {
    sixfour::xlat::Flow6 in;
    sixfour::xlat::Part part;
  };
  std::vector<Call> calls;

  sixfour::xlat::MapStatus map_4to6(const sixfour::xlat::Flow4&, sixfour::xlat::Part, sixfour::xlat::Flow6&) override {
    return sixfour::xlat::MapStatus::DstUntranslatable;
  }

  sixfour::xlat::MapStatus map_6to4(const sixfour::xlat::Flow6& in, sixfour::xlat::Part part,
                                    sixfour::xlat::Flow4& out) override {
    using sixfour::xlat::MapStatus;
    calls.push_back({in, part});
    bool src_client = false, dst_client = false;
    if (!map_addr(in.src, out.src, src_client)) {
      if (part != sixfour::xlat::Part::OuterOfIcmpError) return MapStatus::SrcUntranslatable;
      out.src.b = a4("203.0.113.254");  // RFC 6791
    }
    if (!map_addr(in.dst, out.dst, dst_client)) return MapStatus::DstUntranslatable;
    if (out.dst.b == a4("192.0.2.66")) return MapStatus::Prohibited;
    out.sport = in.sport;
    out.dport = in.dport;
    if (in.proto == 58) {
      if ((src_client || dst_client) && in.sport == 1111) out.sport = out.dport = 2222;
    } else {
      if (src_client && in.sport == 1111) out.sport = 2222;
      if (dst_client && in.dport == 1111) out.dport = 2222;
    }
    return MapStatus::Ok;
  }

 private:
  static bool map_addr(const sixfour::Ipv6Addr& a, sixfour::Ipv4Addr& out, bool& client) {
    static const auto pool = a6("2001:db8:64::");
    static const auto cl = a6("2001:db8:1::5");
    if (a.b == cl) {
      out.b = a4("198.51.100.5");
      client = true;
      return true;
    }
    if (std::equal(pool.begin(), pool.begin() + 12, a.b.begin())) {
      std::copy(a.b.begin() + 12, a.b.end(), out.b.begin());
      return true;
    }
    return false;
  }
};

// ---- Running the translation ------------------------------------------------------------------

struct Xlat6 {
  sixfour::xlat::Outcome outcome;
  sixfour::xlat::DropReason reason;
  std::vector<Bytes> pkts;
};

// Translates `in` with the output buffer sized as the caller contract says (input + 4096), or
// `space` bytes when given.
inline Xlat6 run6(const Bytes& in, const sixfour::xlat::Config& cfg, sixfour::xlat::Mapper& m, size_t space = 0) {
  Bytes storage(space ? space : in.size() + 4096, 0xee);
  sixfour::xlat::Output out;
  out.data = storage;
  sixfour::xlat::ipv6_to_ipv4(in, cfg, m, out);
  Xlat6 r{out.outcome, out.reason, {}};
  for (size_t i = 0; i < out.count; ++i) {
    auto s = out.packet(i);
    r.pkts.emplace_back(s.begin(), s.end());
  }
  return r;
}

inline sixfour::xlat::Config test_config() {
  sixfour::xlat::Config c;
  c.self6.b = a6("2001:db8:ff::1");
  return c;
}

}  // namespace pb6
