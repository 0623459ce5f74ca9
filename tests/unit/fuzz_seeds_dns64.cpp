// Seeds of fuzz/dns64_fuzz.cpp: a settings byte (0: 64:ff9b::/96; 1: 2001:db8:64::/56; 2: with the
// exclusion 2001:db8:bad::/48), the client query (build_query, with or without its OPT) and the
// upstream answers rendered by the server's own render(): synthesis from NODATA, a real AAAA, an
// excluded AAAA, a CNAME chain, an error RCODE, PTR inside the prefix, ipv4only.arpa, a forwarded
// A query, a TC answer, and the queries answered FORMERR, NOTIMP and BADVERS.
#include "addr/ip.hpp"
#include "dns64/message.hpp"
#include "dns64_builders.hpp"
#include "fuzz_seeds.hpp"

using namespace sixfour;
using namespace sixfour::dns64;
using fuzzseeds::Bytes;

namespace {

using dns64test::N;
using dns64test::rr;
Rr a(const char* owner, uint8_t last) { return rr(owner, kTypeA, 300, {192, 0, 2, last}); }
Rr aaaa(const char* owner, const char* addr) {
  const Ipv6Addr v6 = Ipv6Addr::parse(addr).value();
  return rr(owner, kTypeAAAA, 300, std::vector<uint8_t>(v6.b.begin(), v6.b.end()));
}
Rr soa() {
  std::vector<uint8_t> rd = N("ns.example.test");
  const Name rn = N("admin.example.test");
  rd.insert(rd.end(), rn.begin(), rn.end());
  for (uint32_t v : {1u, 3600u, 600u, 86400u, 300u})
    for (int s = 24; s >= 0; s -= 8) rd.push_back(static_cast<uint8_t>(v >> s));
  return rr("example.test", kTypeSOA, 3600, rd);
}

Message with(std::vector<Rr> answer, std::vector<Rr> authority = {}, uint8_t rcode = kNoError) {
  Message m;
  m.rcode = rcode;
  m.answer = std::move(answer);
  m.authority = std::move(authority);
  return m;
}

// The upstream's answer to (qname, qtype), as the server's renderer writes it.
Bytes answer(const char* qname, uint16_t qtype, const Message& m) {
  Query q;
  q.id = 0x4242;
  q.flags = kFlagRD;
  const Name n = N(qname);
  std::copy(n.begin(), n.end(), q.qname.b.begin());
  q.qname.len = static_cast<uint8_t>(n.size());
  q.qtype = qtype;
  q.qclass = kClassIN;
  q.edns = true;
  return render(q, m, 65535);
}

// The client's query; without EDNS its OPT (the last 11 octets) is cut off.
Bytes query(const char* qname, uint16_t qtype, bool edns = true, bool cd = false, bool do_bit = false) {
  Bytes q = build_query(0x1234, N(qname), qtype, cd, do_bit);
  if (!edns) {
    q.resize(q.size() - 11);
    q[11] = 0;
  }
  return q;
}

void put_part(Bytes& b, const Bytes& part) {
  b.push_back(static_cast<uint8_t>(part.size() >> 8));
  b.push_back(static_cast<uint8_t>(part.size()));
  b.insert(b.end(), part.begin(), part.end());
}

Bytes input(uint8_t knobs, const Bytes& q, const Bytes& up1 = {}, const Bytes& up2 = {}) {
  Bytes b{knobs};
  put_part(b, q);
  put_part(b, up1);
  b.insert(b.end(), up2.begin(), up2.end());
  return b;
}

}  // namespace

SIXFOUR_FUZZ_SEEDS(dns64) {
  fuzzseeds::Seeds s;
  const char* www = "www.example.test";
  const Bytes nodata = answer(www, kTypeAAAA, with({}, {soa()}));
  const Bytes two_a = answer(www, kTypeA, with({a(www, 1), a(www, 2)}));
  s.emplace_back("synth", input(0, query(www, kTypeAAAA), nodata, two_a));
  s.emplace_back("synth-56", input(1, query(www, kTypeAAAA, false), nodata, two_a));
  s.emplace_back("real-aaaa",
                 input(0, query(www, kTypeAAAA), answer(www, kTypeAAAA, with({aaaa(www, "2001:db8::1")}))));
  s.emplace_back("excluded-aaaa",
                 input(2, query(www, kTypeAAAA), answer(www, kTypeAAAA, with({aaaa(www, "2001:db8:bad::1")})), two_a));
  Rr chain = rr(www, kTypeCNAME, 600, N("cdn.example.test"));
  s.emplace_back("cname-chain",
                 input(0, query(www, kTypeAAAA, true, false, true), answer(www, kTypeAAAA, with({chain}, {soa()})),
                       answer(www, kTypeA, with({chain, a("cdn.example.test", 7)}))));
  s.emplace_back("servfail-aaaa",
                 input(0, query(www, kTypeAAAA), answer(www, kTypeAAAA, with({}, {}, kServFail)), two_a));
  s.emplace_back("nxdomain", input(0, query(www, kTypeAAAA), answer(www, kTypeAAAA, with({}, {soa()}, kNxDomain))));
  const char* ptr6 = "2.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa";
  const char* ptr4 = "2.2.0.192.in-addr.arpa";
  s.emplace_back("ptr", input(0, query(ptr6, kTypePTR),
                              answer(ptr4, kTypePTR, with({rr(ptr4, kTypePTR, 300, N("host.example.test"))}))));
  s.emplace_back("ipv4only", input(1, query("ipv4only.arpa", kTypeAAAA)));
  s.emplace_back("forward-a", input(0, query(www, kTypeA, false), two_a));
  std::vector<Rr> many;
  for (uint8_t i = 1; i <= 60; ++i) many.push_back(a(www, i));
  s.emplace_back("truncated", input(0, query(www, kTypeAAAA, false), nodata, answer(www, kTypeA, with(many))));
  Bytes two_questions = query(www, kTypeA, false);
  two_questions[5] = 2;
  s.emplace_back("formerr", input(0, two_questions));
  Bytes opcode = query(www, kTypeA);
  opcode[2] |= 0x10;  // opcode 2 (STATUS)
  s.emplace_back("notimp", input(0, opcode));
  Bytes v1 = query(www, kTypeA);
  v1[v1.size() - 6] = 1;  // EDNS version 1
  s.emplace_back("badvers", input(0, v1));
  return s;
}
