// Malformed input never crashes the NAT64 and never reads outside the packet (run under ASan by
// `make test`): valid packets of every kind, truncated at every length and with bytes flipped by a
// fixed-seed generator, go through the translator; each call must end in a well-formed Output.
#include <gtest/gtest.h>

#include <random>

#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;
using sixfour::xlat::Outcome;

void check(Nat& nat, const Bytes& in) {
  // Exactly the packet's bytes in their own allocation, so ASan sees any read past the end.
  auto buf = std::make_unique<uint8_t[]>(in.size() + 1);
  std::copy(in.begin(), in.end(), buf.get());
  Bytes storage(65536 + 4096);
  sixfour::xlat::Output out;
  out.data = storage;
  nat.xl->translate({buf.get(), in.size()}, nat.now, out);
  if (out.outcome == Outcome::Drop || out.outcome == Outcome::Held) {
    ASSERT_EQ(out.count, 0u);
  } else {
    ASSERT_GE(out.count, 1u);
    size_t total = 0;
    for (size_t i = 0; i < out.count; ++i) total += out.lens[i];
    ASSERT_LE(total, storage.size());
  }
}

TEST(Nat64Malformed, TruncatedAndMutatedPacketsNeverCrash) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("tcp,198.51.100.1#8080,2001:db8:1::80#80").value());
  s.address_dependent_filtering = true;
  Nat nat(s);
  std::vector<Bytes> seeds;
  seeds.push_back(udp6("2001:db8:1::5", 40000, "64:ff9b::c000:201", 53, pb6::pattern(40)));
  seeds.push_back(tcp6("2001:db8:1::5", 40001, "64:ff9b::c000:201", 80, 0x02));
  seeds.push_back(echo6("2001:db8:1::5", "64:ff9b::c000:201", 9, 1));
  Got sent = nat.run(seeds[0]);
  ASSERT_EQ(sent.outcome, Outcome::Forward);
  const uint16_t port4 = pb6::rd16(sent.pkt(), 20);
  seeds.push_back(udp4("192.0.2.1", 53, "198.51.100.1", port4, pb6::pattern(40)));
  seeds.push_back(tcp4("192.0.2.1", 1234, "198.51.100.1", 8080, 0x02));
  seeds.push_back(v4to6test::ipv4(1, a4("203.0.113.254"), a4("198.51.100.1"), v4to6test::icmp4(11, 0, 0, sent.pkt())));
  {
    Got back = nat.run(seeds[3]);
    ASSERT_EQ(back.outcome, Outcome::Forward);
    Bytes err = pb6::ipv6({.src = "2001:db8:1::5", .dst = "64:ff9b::c000:201"}, 58, pb6::icmp6(1, 4, 0, back.pkt()));
    pb6::fill_checksum6(err, 40, 58, 2);
    seeds.push_back(err);
  }
  {
    Bytes full = udp6("2001:db8:1::5", 40000, "64:ff9b::c000:201", 53, pb6::pattern(100));
    Bytes payload = pb6::fragment_header(17, 0, true, 77);
    payload.insert(payload.end(), full.begin() + 40, full.begin() + 40 + 64);
    seeds.push_back(pb6::ipv6({.src = "2001:db8:1::5", .dst = "64:ff9b::c000:201"}, 44, payload));
    Bytes full4 = udp4("192.0.2.1", 53, "198.51.100.1", port4, pb6::pattern(100));
    Bytes data(full4.begin() + 20, full4.begin() + 20 + 64);
    seeds.push_back(v4to6test::ipv4(17, a4("192.0.2.1"), a4("198.51.100.1"), data, {.mf = true}));
  }

  for (const Bytes& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n) check(nat, Bytes(seed.begin(), seed.begin() + static_cast<long>(n)));
  }
  std::mt19937 rng(6146);
  for (int i = 0; i < 20000; ++i) {
    Bytes p = seeds[rng() % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) p[rng() % p.size()] = static_cast<uint8_t>(rng());
    if (rng() % 4 == 0) p.resize(rng() % (p.size() + 1));
    check(nat, p);
    nat.now += 1;
    if (i % 1000 == 0) nat.state->expire(nat.now);
  }
}

}  // namespace
