// The stateful NAT64 (nat64::State + nat64::Translator, RFC 6146) fed a sequence of packets of both
// families, with its clock advancing and its housekeeping (State::expire) running in between.
// One State and one Translator are made per input, so the state carried from packet to packet is
// the input's own: a finding replays alone (a state shared across inputs would make it depend on
// every input libFuzzer ran before).
//
// Input: a settings byte (bit 0 address-dependent filtering, bit 1 drop unsolicited IPv4 SYNs,
// bit 2 max-sessions 8, bit 3 a small fragment budget, bit 4 port blocks of 4 ports), then records,
// each starting with a byte:
//   low 2 bits 0: a packet follows, a 2-byte big-endian length then that many bytes (fewer if the
//                 input ends first); the clock advances (byte >> 2) ms first;
//   1: the clock advances (byte >> 2) * 100 ms;  2: (byte >> 2) s, then State::expire();
//   3: (byte >> 2) min, then State::expire().
// Settings: prefix 64:ff9b::/96 (non-global IPv4 allowed), pool4 198.51.100.0/31 ports 1024-1039
// (small: exhaustion is reachable), a static binding per protocol (kStatics), default timeouts.
// Oracles: every output (translated, ICMP error, and what expire() sends) passes
// fuzz/packet_checks.hpp, a forwarded one has its source in pool4 or the prefix; after every record
// the session and BIB lists agree with the counters and with the log of additions and removals,
// every session's outside address is in pool4 and its remote IPv6 address is the prefix plus its
// remote IPv4 address, every dynamic BIB entry has a session and the BIB's session counts add up,
// and max-sessions holds; with port blocks, the blocks logged as given and not taken back are
// the ones the state counts, and every dynamic BIB entry's outside port is in a block of its inside
// address; at the end, expiring a day later (twice: an established TCP session is
// first probed and moved to transitory) leaves no session, no held fragment or SYN, and only the
// static BIB entries (and no port block).
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "nat64/translator.hpp"
#include "packet_checks.hpp"

using namespace sixfour;

namespace {

// Static bindings: their outside ports are known in advance, so seeds can answer them (the dynamic
// ones are picked with a random key).
constexpr const char* kStatics[] = {"tcp,198.51.100.1#8080,2001:db8:1::5#80",
                                    "udp,198.51.100.1#5353,2001:db8:1::5#5000",
                                    "icmp,198.51.100.1#4660,2001:db8:1::5#4660"};

struct Log {
  int64_t bibs = 0, sessions = 0;
  std::map<std::pair<uint32_t, uint16_t>, std::pair<Ipv6Addr, uint16_t>> blocks;  // (addr4, first) -> host, last
};

nat64::Settings settings(uint8_t knobs, Log& log) {
  nat64::Settings s;
  s.prefix = rfc6052::kWellKnownPrefix;
  s.allow_non_global = true;
  s.pool4.push_back(nat64::parse_pool4("198.51.100.0/31:1024-1039").value());
  for (const char* b : kStatics) s.statics.push_back(nat64::parse_static(b).value());
  s.xlat.self6 = Ipv6Addr::parse("2001:db8:ff::1").value();
  s.address_dependent_filtering = (knobs & 1) != 0;
  s.drop_external_tcp_syn = (knobs & 2) != 0;
  if (knobs & 4) s.max_sessions = 8;
  if (knobs & 8) s.fragment_memory = 4096;
  if (knobs & 16) s.port_block_size = 4;
  s.log = [&log](const nat64::LogEvent& e) {
    using K = nat64::LogEvent::Kind;
    const std::pair<uint32_t, uint16_t> block{e.addr4.to_u32(), e.port4};
    if (e.kind == K::BlockAdded) SIXFOUR_FUZZ_CHECK(log.blocks.emplace(block, std::pair{e.addr6, e.port4_last}).second);
    if (e.kind == K::BlockRemoved) SIXFOUR_FUZZ_CHECK(log.blocks.erase(block) == 1);
    log.bibs += e.kind == K::BibAdded ? 1 : e.kind == K::BibRemoved ? -1 : 0;
    log.sessions += e.kind == K::SessionAdded ? 1 : e.kind == K::SessionRemoved ? -1 : 0;
  };
  return s;
}

struct Run {
  nat64::Settings settings;
  std::unique_ptr<nat64::State> state;
  std::unique_ptr<nat64::Translator> xl;
  uint64_t now = 1000;

  void translate(std::span<const uint8_t> packet) {
    // Output room, reused by every input (what it held before is never read: a large allocation
    // per input would cost more than the translation).
    static std::vector<uint8_t> storage(65536 + 4096 + 65536);
    xlat::Output out;
    out.data = storage;
    xl->translate(packet, now, out);
    fuzz::check_output(out);
    if (out.outcome != xlat::Outcome::Forward) return;
    // RFC 6146 §3.6: what leaves on the IPv4 side comes from a pool4 address, what leaves on the
    // IPv6 side from the prefix (the IPv4 peer's address embedded, also after hairpinning, §3.8).
    for (size_t i = 0; i < out.count; ++i) {
      const std::span<const uint8_t> p = out.packet(i);
      if ((p[0] >> 4) == 4) {
        SIXFOUR_FUZZ_CHECK(settings.pool4.front().prefix.contains(Ipv4Addr{{p[12], p[13], p[14], p[15]}}));
      } else {
        Ipv6Addr src;
        std::copy(p.begin() + 8, p.begin() + 24, src.b.begin());
        SIXFOUR_FUZZ_CHECK(settings.prefix.contains(src));
      }
    }
  }
  void expire() {
    state->expire(now, [](std::span<const uint8_t> p) { fuzz::check_packet(p); });
  }
  uint64_t counter(std::string_view prefix) const {
    uint64_t sum = 0;
    state->visit_counters([&](std::string_view n, uint64_t v) {
      if (n.substr(0, prefix.size()) == prefix) sum += v;
    });
    return sum;
  }
  uint64_t counter_named(std::string_view name) const {
    uint64_t got = 0;
    state->visit_counters([&](std::string_view n, uint64_t v) {
      if (n == name) got = v;
    });
    return got;
  }
};

void check_tables(const Run& r, const Log& log) {
  const std::vector<nat64::SessionInfo> sessions = r.state->sessions(r.now);
  const std::vector<nat64::BibInfo> bib = r.state->bib();
  SIXFOUR_FUZZ_CHECK(sessions.size() == r.counter("sessions."));
  SIXFOUR_FUZZ_CHECK(bib.size() == r.counter("bib."));
  SIXFOUR_FUZZ_CHECK(log.sessions == static_cast<int64_t>(sessions.size()));
  SIXFOUR_FUZZ_CHECK(log.bibs == static_cast<int64_t>(bib.size()));
  if (r.settings.max_sessions != 0) SIXFOUR_FUZZ_CHECK(sessions.size() <= r.settings.max_sessions);
  const nat64::Pool4Entry& pool = r.settings.pool4.front();
  for (const nat64::SessionInfo& s : sessions) {
    SIXFOUR_FUZZ_CHECK(pool.prefix.contains(s.addr4));
    const bool is_static = std::any_of(r.settings.statics.begin(), r.settings.statics.end(), [&](const auto& b) {
      return b.proto == s.proto && b.addr4 == s.addr4 && b.port4 == s.port4;
    });
    if (!is_static) SIXFOUR_FUZZ_CHECK(s.port4 >= pool.lo && s.port4 <= pool.hi);
    SIXFOUR_FUZZ_CHECK(r.settings.prefix.contains(s.remote6));
    SIXFOUR_FUZZ_CHECK(std::memcmp(&s.remote6.b[12], s.remote4.b.data(), 4) == 0);
  }
  size_t bib_sessions = 0;
  for (const nat64::BibInfo& b : bib) {
    SIXFOUR_FUZZ_CHECK(pool.prefix.contains(b.addr4));
    SIXFOUR_FUZZ_CHECK(b.is_static || b.sessions > 0);  // RFC 6146 §3.5: removed with its last session
    bib_sessions += b.sessions;
  }
  SIXFOUR_FUZZ_CHECK(bib_sessions == sessions.size());
  if (r.settings.port_block_size == 0) return;
  SIXFOUR_FUZZ_CHECK(log.blocks.size() == r.counter_named("port-blocks.in-use"));
  for (const nat64::BibInfo& b : bib) {
    if (b.is_static) continue;
    const bool in_own_block = std::any_of(log.blocks.begin(), log.blocks.end(), [&](const auto& kv) {
      return kv.first.first == b.addr4.to_u32() && b.port4 >= kv.first.second && b.port4 <= kv.second.second &&
             kv.second.first == b.addr6;
    });
    SIXFOUR_FUZZ_CHECK(in_own_block);
  }
}

}  // namespace

SIXFOUR_FUZZ_TARGET(nat64) {
  if (input.empty()) return;
  Log log;
  Run r{settings(input[0], log), nullptr, nullptr};
  r.state = nat64::State::create(r.settings);
  r.xl = nat64::Translator::create(r.settings, *r.state);
  size_t i = 1;
  while (i < input.size()) {
    const uint8_t op = input[i++];
    const uint64_t n = op >> 2;
    switch (op & 3) {
      case 0: {
        r.now += n;
        size_t len = 0;
        if (i + 2 <= input.size()) len = load16(&input[i]);
        i = std::min(i + 2, input.size());
        len = std::min(len, input.size() - i);
        r.translate(input.subspan(i, len));
        i += len;
        break;
      }
      case 1:
        r.now += n * 100;
        break;
      case 2:
        r.now += n * 1000;
        r.expire();
        break;
      default:
        r.now += n * 60000;
        r.expire();
        break;
    }
    check_tables(r, log);
  }
  for (int pass = 0; pass < 2; ++pass) {
    r.now += 24ull * 3600 * 1000;
    r.expire();
  }
  check_tables(r, log);
  SIXFOUR_FUZZ_CHECK(r.state->sessions(r.now).empty());
  const std::vector<nat64::BibInfo> bib = r.state->bib();
  SIXFOUR_FUZZ_CHECK(bib.size() == r.settings.statics.size());
  for (const nat64::BibInfo& b : bib) SIXFOUR_FUZZ_CHECK(b.is_static);
  SIXFOUR_FUZZ_CHECK(r.counter_named("fragments.datagrams") == 0 && r.counter_named("fragments.bytes") == 0);
  SIXFOUR_FUZZ_CHECK(r.counter_named("incoming-syn.stored") == 0);
  SIXFOUR_FUZZ_CHECK(log.blocks.empty());
}
