// What `sixfour dns64` does with one client query and the upstream's answers (src/io/dns64/server.cpp,
// Worker::fast_path and Worker::resolve, on the pure functions of src/dns64). Input: a settings
// byte, a 2-byte length and the client query, a 2-byte length and the first upstream answer (to
// the AAAA question, or the one question that is forwarded), then the second upstream answer (to
// the A question of RFC 6147 §5.1.8) as the rest.
//
// Oracles: a malformed query gets its error answer (FORMERR, NOTIMP, BADVERS) with the query's ID
// and question; an answer parses back with libknot, carries the query's ID and question in the
// client's letter case, its records (unless truncated to TC=1), and fits the client's limit; every
// synthesized AAAA lies in the prefix and embeds an A record of the upstream answer; the cache
// returns the answer it stored, and its form without OPT equals the answer rendered without EDNS.
#include <algorithm>
#include <cstring>
#include <optional>

#include "dns64/cache.hpp"
#include "dns64/synth.hpp"
#include "fuzz_target.hpp"

using namespace sixfour;
using namespace sixfour::dns64;

namespace {

uint16_t rd16(std::span<const uint8_t> w, size_t at) { return static_cast<uint16_t>(w[at] << 8 | w[at + 1]); }

// Settings byte: bit 0 the prefix (64:ff9b::/96, or 2001:db8:64::/56 whose u octet is in the
// middle of the IPv4 address), bit 1 an exclusion (2001:db8:bad::/48, RFC 6147 §5.1.4).
const Settings& settings(uint8_t knobs) {
  static const auto make = [](uint8_t k) {
    Settings s;
    s.prefix = rfc6052::parse_prefix((k & 1) ? "2001:db8:64::/56" : "64:ff9b::/96").value();
    if (k & 2) s.exclude.push_back(Ipv6Prefix::parse("2001:db8:bad::/48").value());
    return s;
  };
  static const Settings all[4] = {make(0), make(1), make(2), make(3)};
  return all[knobs & 3];
}

// Splits `in` at a 2-byte length: the part it names (shorter if the input ends), then the rest.
std::span<const uint8_t> take(std::span<const uint8_t>& in) {
  if (in.size() < 2) {
    in = {};
    return {};
  }
  size_t n = std::min<size_t>(rd16(in, 0), in.size() - 2);
  std::span<const uint8_t> part = in.subspan(2, n);
  in = in.subspan(2 + n);
  return part;
}

bool same_bytes_nocase(std::span<const uint8_t> a, std::span<const uint8_t> b) { return name_equal(a, b); }

// The header and question every answer to `q` starts with.
void check_header(std::span<const uint8_t> w, const Query& q, bool with_question) {
  SIXFOUR_FUZZ_CHECK(w.size() >= 12);
  SIXFOUR_FUZZ_CHECK(rd16(w, 0) == q.id);
  SIXFOUR_FUZZ_CHECK(rd16(w, 2) & kFlagQR);
  SIXFOUR_FUZZ_CHECK((rd16(w, 2) & kFlagRD) == (q.flags & kFlagRD));
  if (!with_question) return;
  SIXFOUR_FUZZ_CHECK(rd16(w, 4) == 1);
  SIXFOUR_FUZZ_CHECK(w.size() >= 12 + size_t(q.qname.len) + 4);
  SIXFOUR_FUZZ_CHECK(std::equal(q.qname.b.begin(), q.qname.b.begin() + q.qname.len, w.begin() + 12));
  SIXFOUR_FUZZ_CHECK(rd16(w, 12 + q.qname.len) == q.qtype);
  SIXFOUR_FUZZ_CHECK(rd16(w, 14 + q.qname.len) == q.qclass);
}

void check_error_answer(const Query& q, QueryStatus st, uint8_t rcode) {
  const std::vector<uint8_t> w = render_error(q, st, rcode);
  const bool question = q.qname.len > 0 && st != QueryStatus::notimp;
  check_header(w, q, question);
  SIXFOUR_FUZZ_CHECK((w[3] & 0xf) == rcode);
  if (st == QueryStatus::badvers) SIXFOUR_FUZZ_CHECK(w.size() >= 11 && w[w.size() - 6] == 1);  // BADVERS = 16
}

// The answer `w` rendered from `m` for `q` within `limit`, checked by reading it back.
void check_answer(std::span<const uint8_t> w, const Query& q, const Message& m, size_t limit) {
  check_header(w, q, true);
  SIXFOUR_FUZZ_CHECK(w.size() <= std::clamp<size_t>(limit, 512, 65535));
  TtlMap ttls;
  SIXFOUR_FUZZ_CHECK(map_ttls(w, ttls));
  auto back = parse_response(w, q.qname.span(), q.qtype);
  SIXFOUR_FUZZ_CHECK(static_cast<bool>(back));
  SIXFOUR_FUZZ_CHECK(back->rcode == (m.rcode & 0xf));
  if (back->tc && !m.tc) {  // did not fit: empty sections (RFC 2181 §9)
    SIXFOUR_FUZZ_CHECK(back->answer.empty() && back->authority.empty() && back->additional.empty());
    return;
  }
  const std::vector<Rr>* want[3] = {&m.answer, &m.authority, &m.additional};
  const std::vector<Rr>* got[3] = {&back->answer, &back->authority, &back->additional};
  for (int s = 0; s < 3; ++s) {
    SIXFOUR_FUZZ_CHECK(want[s]->size() == got[s]->size());
    for (size_t i = 0; i < want[s]->size(); ++i) {
      const Rr& a = (*want[s])[i];
      const Rr& b = (*got[s])[i];
      // Name compression may take another letter case of the same name (RFC 4343).
      SIXFOUR_FUZZ_CHECK(name_equal(a.owner, b.owner));
      SIXFOUR_FUZZ_CHECK(a.type == b.type && a.cls == b.cls && a.ttl == b.ttl);
      SIXFOUR_FUZZ_CHECK(same_bytes_nocase(a.rdata, b.rdata));
    }
  }
}

// RFC 6147 §5.1.7: every synthesized AAAA is the prefix with an A record of the upstream answer.
void check_synthesized(const Message& syn, const Message& a, const Settings& s) {
  for (const Rr& r : syn.answer) {
    if (r.type != kTypeAAAA) continue;
    SIXFOUR_FUZZ_CHECK(r.rdata.size() == 16);
    Ipv6Addr v6;
    std::memcpy(v6.b.data(), r.rdata.data(), 16);
    SIXFOUR_FUZZ_CHECK(s.prefix.contains(v6));
    const Ipv4Addr v4 = rfc6052::extract(s.prefix, v6);
    SIXFOUR_FUZZ_CHECK(std::any_of(a.answer.begin(), a.answer.end(), [&](const Rr& x) {
      return x.type == kTypeA && x.rdata.size() == 4 && std::equal(x.rdata.begin(), x.rdata.end(), v4.b.begin()) &&
             name_equal(x.owner, r.owner) && r.ttl <= x.ttl;
    }));
  }
}

// Worker::resolve with the upstream's answers given: nullopt where the server answers SERVFAIL.
std::optional<Message> resolve(const Query& q, const Settings& s, std::span<const uint8_t> up1,
                               std::span<const uint8_t> up2) {
  const Name qname = q.qname.name();
  if ((q.qtype == kTypeAAAA || q.qtype == kTypeA) && is_ipv4only_arpa(qname)) {
    Message m = ipv4only_answer(qname, q.qtype, s);
    if (q.qtype == kTypeAAAA) check_synthesized(m, ipv4only_answer(qname, kTypeA, s), s);
    return m;
  }
  if (q.qtype == kTypePTR) {
    if (auto target = ptr_target(qname, s)) {
      auto up = parse_response(up1, *target, kTypePTR);
      if (!up) return std::nullopt;
      return ptr_answer(qname, *target, *up);
    }
  }
  if (q.qtype != kTypeAAAA || !synthesis_allowed(q)) {
    auto up = parse_response(up1, qname, q.qtype);
    if (!up) return std::nullopt;
    return std::move(*up);
  }
  auto up = parse_response(up1, qname, kTypeAAAA);
  if (!up) return std::nullopt;
  Message aaaa = std::move(*up);
  if (classify_aaaa(aaaa, qname, s) == AaaaVerdict::answer) {
    for (const Rr& r : aaaa.answer) {
      if (r.type != kTypeAAAA || r.rdata.size() != 16) continue;
      Ipv6Addr v6;
      std::memcpy(v6.b.data(), r.rdata.data(), 16);
      SIXFOUR_FUZZ_CHECK(!excluded(s, v6) || !name_equal(r.owner, chain_end(aaaa, qname)));
    }
    return aaaa;
  }
  auto a = parse_response(up2, qname, kTypeA);
  if (!a) return std::nullopt;
  if (auto syn = synthesize(aaaa, *a, qname, s, q.do_bit)) {
    SIXFOUR_FUZZ_CHECK(!syn->ad);
    check_synthesized(*syn, *a, s);
    return syn;
  }
  return aaaa;
}

// The answer stored in the cache comes back as it was; for a client without EDNS, the fast path's
// form of it (its OPT cut off) is the answer rendered for that client.
void check_cache(const Query& q, const Message& m, const std::vector<uint8_t>& full) {
  Cache cache(1 << 20);
  const CacheKey key = cache_key(q);
  Query as_edns = q;
  as_edns.edns = true;
  cache.insert(key, full, 100);
  std::vector<uint8_t> out(65535);
  size_t n = cache.lookup(key, as_edns, 100, out);
  if (n == 0) return;
  SIXFOUR_FUZZ_CHECK(std::equal(full.begin(), full.end(), out.begin(), out.begin() + n));
  n = cache.lookup(key, q, 100, out);
  SIXFOUR_FUZZ_CHECK(n == full.size());
  if (q.edns) return;
  SIXFOUR_FUZZ_CHECK(n >= 12 + 11 && out[n - 11] == 0 && rd16(out, n - 10) == kTypeOPT);
  n -= 11;
  const uint16_t ar = rd16(out, 10);
  SIXFOUR_FUZZ_CHECK(ar > 0);
  out[10] = static_cast<uint8_t>((ar - 1) >> 8);
  out[11] = static_cast<uint8_t>(ar - 1);
  const std::vector<uint8_t> plain = render(q, m, 65535);
  SIXFOUR_FUZZ_CHECK(plain.size() == n && std::equal(plain.begin(), plain.end(), out.begin()));
}

}  // namespace

SIXFOUR_FUZZ_TARGET(dns64) {
  if (input.empty()) return;
  const Settings& s = settings(input[0]);
  std::span<const uint8_t> rest = input.subspan(1);
  const std::span<const uint8_t> wire = take(rest);
  const std::span<const uint8_t> up1 = take(rest);
  const std::span<const uint8_t> up2 = rest;

  Query q;
  const QueryStatus st = parse_query(wire, q);
  if (st == QueryStatus::drop) {
    SIXFOUR_FUZZ_CHECK(wire.size() < 12 || (wire[2] & 0x80));
    return;
  }
  if (st != QueryStatus::ok) {
    const uint8_t rcode = st == QueryStatus::notimp ? kNotImp : st == QueryStatus::formerr ? kFormErr : 0;
    return check_error_answer(q, st, rcode);
  }
  SIXFOUR_FUZZ_CHECK(q.qname.len > 0 && q.opcode() == 0 && (!q.edns || q.edns_version == 0));
  if (q.qclass != kClassIN) return check_error_answer(q, QueryStatus::ok, kRefused);

  std::optional<Message> m = resolve(q, s, up1, up2);
  if (!m) {
    m.emplace();
    m->rcode = kServFail;
  }
  Query as_edns = q;
  as_edns.edns = true;
  const std::vector<uint8_t> full = render(as_edns, *m, 65535);
  check_answer(full, as_edns, *m, 65535);
  const std::vector<uint8_t> w = render(q, *m, udp_limit(q));
  check_answer(w, q, *m, udp_limit(q));
  check_cache(q, *m, full);
}
