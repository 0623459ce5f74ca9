// Test helpers for the stateful NAT64: settings for a documentation-address lab, IPv4/IPv6 packets
// built byte by byte (packet_builder.hpp / packet_builder6.hpp), and one-call translation.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "nat64/settings.hpp"
#include "nat64/translator.hpp"
#include "packet_builder.hpp"
#include "packet_builder6.hpp"

namespace nat64test {

using Bytes = std::vector<uint8_t>;
using namespace sixfour;

// NAT64 prefix 64:ff9b::/96 with non-global IPv4 allowed (the peers are documentation addresses);
// pool4 198.51.100.1; inside host 2001:db8:1::5; IPv4 peers in 192.0.2.0/24 / 203.0.113.0/24.
inline nat64::Settings lab_settings(const char* pool = "198.51.100.1") {
  nat64::Settings s;
  s.allow_non_global = true;
  s.pool4.push_back(nat64::parse_pool4(pool).value());
  s.xlat.self6 = Ipv6Addr::parse("2001:db8:ff::1").value();
  return s;
}

inline Bytes udp6(const char* src, uint16_t sport, const char* dst, uint16_t dport, const Bytes& data = {1, 2, 3},
                  uint8_t hlim = 64) {
  Bytes p = pb6::ipv6({.hlim = hlim, .src = src, .dst = dst}, 17, pb6::udp(sport, dport, data));
  pb6::fill_checksum6(p, 40, 17, 6);
  return p;
}

// TCP with the given flags (0x02 SYN, 0x10 ACK, 0x01 FIN, 0x04 RST).
inline Bytes tcp6(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags) {
  Bytes l4 = pb6::tcp(sport, dport, {});
  l4[13] = flags;
  Bytes p = pb6::ipv6({.src = src, .dst = dst}, 6, l4);
  pb6::fill_checksum6(p, 40, 6, 16);
  return p;
}

inline Bytes echo6(const char* src, const char* dst, uint16_t id, uint16_t seq, bool reply = false) {
  Bytes body;
  pb6::put16(body, id);
  pb6::put16(body, seq);
  body.insert(body.end(), {'p', 'i', 'n', 'g'});
  Bytes m{static_cast<uint8_t>(reply ? 129 : 128), 0, 0, 0};
  m.insert(m.end(), body.begin(), body.end());
  Bytes p = pb6::ipv6({.src = src, .dst = dst}, 58, m);
  pb6::fill_checksum6(p, 40, 58, 2);
  return p;
}

inline v4to6test::A4 a4(const char* t) { return pb6::a4(t); }

inline Bytes udp4(const char* src, uint16_t sport, const char* dst, uint16_t dport, const Bytes& data = {4, 5, 6},
                  uint8_t ttl = 64) {
  return v4to6test::ipv4(17, a4(src), a4(dst), v4to6test::udp(a4(src), a4(dst), sport, dport, data), {.ttl = ttl});
}

inline Bytes tcp4(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags) {
  Bytes t = v4to6test::tcp(a4(src), a4(dst), sport, dport, {});
  t[13] = flags;
  t[16] = t[17] = 0;
  v4to6test::wr16(t, 16, v4to6test::cksum(t, v4to6test::pseudo4(a4(src), a4(dst), 6, static_cast<uint16_t>(t.size()))));
  return v4to6test::ipv4(6, a4(src), a4(dst), t);
}

inline Bytes echo4(const char* src, const char* dst, uint16_t id, uint16_t seq, bool reply) {
  Bytes body{'p', 'i', 'n', 'g'};
  return v4to6test::ipv4(1, a4(src), a4(dst), v4to6test::icmp4(reply ? 0 : 8, 0, uint32_t{id} << 16 | seq, body));
}

struct Got {
  xlat::Outcome outcome = xlat::Outcome::Drop;
  xlat::DropReason reason = xlat::DropReason::Malformed;
  std::vector<Bytes> pkts;
  const Bytes& pkt() const { return pkts.at(0); }
};

// One State and one Translator, a fake clock and the counters by name.
struct Nat {
  explicit Nat(nat64::Settings s) : settings(std::move(s)) {
    state = nat64::State::create(settings);
    xl = nat64::Translator::create(settings, *state);
  }
  Got run(const Bytes& in) {
    Bytes storage(65536 + 4096, 0xee);
    xlat::Output out;
    out.data = storage;
    xl->translate(in, now, out);
    Got r{out.outcome, out.reason, {}};
    for (size_t i = 0; i < out.count; ++i) {
      auto sp = out.packet(i);
      r.pkts.emplace_back(sp.begin(), sp.end());
    }
    return r;
  }
  uint64_t counter(const std::string& name) const {
    uint64_t v = ~uint64_t{0};
    xl->visit_counters([&](std::string_view n, uint64_t x) {
      if (n == name) v = x;
    });
    state->visit_counters([&](std::string_view n, uint64_t x) {
      if (n == name) v = x;
    });
    return v;
  }

  nat64::Settings settings;
  std::unique_ptr<nat64::State> state;
  std::unique_ptr<nat64::Translator> xl;
  uint64_t now = 1000;
};

inline std::string v4src(const Bytes& p) { return Ipv4Addr{{p.at(12), p.at(13), p.at(14), p.at(15)}}.str(); }
inline std::string v4dst(const Bytes& p) { return Ipv4Addr{{p.at(16), p.at(17), p.at(18), p.at(19)}}.str(); }
inline std::string v6at(const Bytes& p, size_t off) {
  Ipv6Addr a;
  std::copy(p.begin() + static_cast<long>(off), p.begin() + static_cast<long>(off + 16), a.b.begin());
  return a.str();
}

}  // namespace nat64test
