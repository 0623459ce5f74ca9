// Seeds of fuzz/nat64_fuzz.cpp: a settings byte, then records (a packet, or the clock advancing
// with or without State::expire). The IPv4 side answers through the target's static bindings.
#include "fuzz_seeds.hpp"
#include "nat64_fixture.hpp"

using namespace nat64test;

namespace {

constexpr const char* kHost = "2001:db8:1::5";
constexpr const char* kPeer6 = "64:ff9b::cb00:7109";
constexpr const char* kPeer4 = "203.0.113.9";

// Records of the target's input format.
void packet(Bytes& in, const Bytes& p) {
  in.push_back(0);
  in.push_back(static_cast<uint8_t>(p.size() >> 8));
  in.push_back(static_cast<uint8_t>(p.size()));
  in.insert(in.end(), p.begin(), p.end());
}
void seconds_then_expire(Bytes& in, uint8_t s) { in.push_back(static_cast<uint8_t>(s << 2 | 2)); }
void minutes_then_expire(Bytes& in, uint8_t m) { in.push_back(static_cast<uint8_t>(m << 2 | 3)); }

// The records of `packets`, after settings byte 0.
Bytes records(std::initializer_list<Bytes> packets) {
  Bytes in{0};
  for (const Bytes& p : packets) packet(in, p);
  return in;
}

// Exchanges through the target's static bindings (198.51.100.1: TCP 8080, UDP 5353, ICMP id 4660
// for 2001:db8:1::5 port 80, 5000, id 4660): their outside ports are known in advance.
constexpr const char* kOut4 = "198.51.100.1";

Bytes udp_exchange() {
  Bytes in =
      records({udp6(kHost, 5000, kPeer6, 53, pb6::pattern(20)), udp4(kPeer4, 53, kOut4, 5353, v4to6test::pattern(30))});
  seconds_then_expire(in, 10);
  packet(in, udp6(kHost, 5000, kPeer6, 53, pb6::pattern(4)));
  packet(in, udp6(kHost, 5001, kPeer6, 53, pb6::pattern(4)));  // a dynamic binding
  minutes_then_expire(in, 6);
  packet(in, udp4(kPeer4, 53, kOut4, 5353, v4to6test::pattern(3)));
  return in;
}

Bytes tcp_handshake() {
  Bytes in = records({tcp6(kHost, 80, kPeer6, 443, 0x02), tcp4(kPeer4, 443, kOut4, 8080, 0x12),
                      tcp6(kHost, 80, kPeer6, 443, 0x10), tcp6(kHost, 80, kPeer6, 443, 0x11),
                      tcp4(kPeer4, 443, kOut4, 8080, 0x11), tcp6(kHost, 80, kPeer6, 443, 0x10)});
  minutes_then_expire(in, 5);
  return in;
}

Bytes incoming() {
  Bytes in = records({tcp4(kPeer4, 3333, kOut4, 8080, 0x02), tcp6(kHost, 80, kPeer6, 3333, 0x12),
                      tcp4(kPeer4, 4444, "198.51.100.0", 1030, 0x02)});  // unsolicited: stored
  seconds_then_expire(in, 7);
  return in;
}

Bytes echo() {
  Bytes in = records({echo6(kHost, kPeer6, 4660, 1), echo4(kPeer4, kOut4, 4660, 1, true), echo6(kHost, kPeer6, 7, 1)});
  minutes_then_expire(in, 2);
  return in;
}

Bytes fragments6() {
  Bytes whole = udp6(kHost, 5000, kPeer6, 53, pb6::pattern(64));
  const Bytes l4(whole.begin() + 40, whole.end());
  Bytes first = pb6::fragment_header(17, 0, true, 77);
  pb6::put(first, Bytes(l4.begin(), l4.begin() + 32));
  Bytes second = pb6::fragment_header(17, 4, false, 77);
  pb6::put(second, Bytes(l4.begin() + 32, l4.end()));
  const Bytes p1 = pb6::ipv6({.src = kHost, .dst = kPeer6}, 44, first);
  Bytes in = records({p1, pb6::ipv6({.src = kHost, .dst = kPeer6}, 44, second), p1});
  seconds_then_expire(in, 3);
  return in;
}

}  // namespace

SIXFOUR_FUZZ_SEEDS(nat64) {
  fuzzseeds::Seeds s;
  s.emplace_back("udp-exchange", udp_exchange());
  s.emplace_back("tcp-handshake", tcp_handshake());
  s.emplace_back("incoming-syn", incoming());
  s.emplace_back("echo", echo());
  s.emplace_back("fragments6", fragments6());
  Bytes limited = udp_exchange();
  limited[0] = 4 | 1;  // max-sessions 8, address-dependent filtering
  s.emplace_back("udp-limited", limited);
  // Port blocks of 4: five dynamic UDP bindings of one host take two blocks, then all expire.
  Bytes blocks{16};
  for (uint16_t port = 6000; port < 6005; ++port) packet(blocks, udp6(kHost, port, kPeer6, 53, pb6::pattern(4)));
  packet(blocks, tcp6(kHost, 7000, kPeer6, 443, 0x02));
  minutes_then_expire(blocks, 6);
  s.emplace_back("port-blocks", blocks);
  return s;
}
