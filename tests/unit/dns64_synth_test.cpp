// RFC 6147 synthesis rules on messages: when to synthesize, every RFC 6052 prefix length, TTLs
// (§5.1.7), CNAME chains (§5.1.1), exclusions (§5.1.4), DNSSEC (§5.5), PTR (§5.3.1) and
// ipv4only.arpa (RFC 7050 §2). Wire round trips check the bytes a client gets.
#include <gtest/gtest.h>

#include "dns64/message.hpp"
#include "dns64/synth.hpp"
#include "dns64_builders.hpp"

namespace sixfour::dns64 {
namespace {

using dns64test::N;
using dns64test::rr;
Rr a(const char* owner, uint32_t ttl, uint8_t x, uint8_t y, uint8_t z, uint8_t w) {
  return rr(owner, kTypeA, ttl, {x, y, z, w});
}
Rr aaaa(const char* owner, uint32_t ttl, const char* addr) {
  auto v6 = Ipv6Addr::parse(addr).value();
  return rr(owner, kTypeAAAA, ttl, std::vector<uint8_t>(v6.b.begin(), v6.b.end()));
}
Rr cname(const char* owner, uint32_t ttl, const char* target) { return rr(owner, kTypeCNAME, ttl, N(target)); }
// SOA example.test: ns.example.test. admin.example.test. 1 3600 600 86400 MINIMUM
Rr soa(uint32_t ttl, uint32_t minimum) {
  std::vector<uint8_t> rd = N("ns.example.test");
  auto rn = N("admin.example.test");
  rd.insert(rd.end(), rn.begin(), rn.end());
  for (uint32_t v : {1u, 3600u, 600u, 86400u, minimum})
    for (int s = 24; s >= 0; s -= 8) rd.push_back(static_cast<uint8_t>(v >> s));
  return rr("example.test", kTypeSOA, ttl, rd);
}
Message nodata(uint32_t soa_ttl = 3600, uint32_t minimum = 300) {
  Message m;
  m.authority.push_back(soa(soa_ttl, minimum));
  return m;
}
Settings with_prefix(const char* p) {
  Settings s;
  s.prefix = Ipv6Prefix::parse(p).value();
  return s;
}
std::string addr_of(const Rr& r) {
  Ipv6Addr v6;
  std::copy(r.rdata.begin(), r.rdata.end(), v6.b.begin());
  return v6.str();
}

TEST(Dns64Classify, NodataIsSynthesized) {
  Message m = nodata();
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::synthesize);
}

TEST(Dns64Classify, NxdomainStays) {
  Message m = nodata();
  m.rcode = kNxDomain;
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::answer);
}

// RFC 6147 §5.1.4 whatever the RCODE (found by fuzz/dns64_fuzz.cpp): the answer is passed on as it
// is for NXDOMAIN, and for SERVFAIL when there is no A record to synthesize from.
TEST(Dns64Classify, ExcludedDroppedWhateverTheRcode) {
  for (uint8_t rcode : {kNxDomain, kServFail}) {
    Message m = nodata();
    m.rcode = rcode;
    m.answer = {aaaa("h.example.test", 300, "::ffff:192.0.2.1"), aaaa("h.example.test", 300, "2001:db8::1")};
    classify_aaaa(m, N("h.example.test"), Settings{});
    ASSERT_EQ(m.answer.size(), 1u);
    EXPECT_EQ(addr_of(m.answer[0]), "2001:db8::1");
  }
}

TEST(Dns64Classify, OtherRcodesAreTreatedAsEmpty) {  // RFC 6147 §5.1.2
  Message m;
  m.rcode = kServFail;
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::synthesize);
}

TEST(Dns64Classify, RealAaaaIsReturnedAsIs) {
  Message m;
  m.answer.push_back(aaaa("h.example.test", 60, "2001:db8::1"));
  Message before = m;
  EXPECT_EQ(classify_aaaa(m, N("H.Example.Test"), Settings{}), AaaaVerdict::answer);
  EXPECT_EQ(m.answer, before.answer);
}

TEST(Dns64Classify, MappedAddressesCountAsAbsent) {  // RFC 6147 §5.1.4
  Message m;
  m.answer.push_back(aaaa("h.example.test", 60, "::ffff:192.0.2.1"));
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::synthesize);
}

TEST(Dns64Classify, ExcludedDroppedOthersKept) {
  Settings s;
  s.exclude.push_back(Ipv6Prefix::parse("2001:db8:bad::/48").value());
  Message m;
  m.answer.push_back(aaaa("h.example.test", 60, "2001:db8:bad::1"));
  m.answer.push_back(aaaa("h.example.test", 60, "2001:db8:900d::1"));
  m.answer.push_back(aaaa("h.example.test", 60, "::ffff:192.0.2.1"));
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), s), AaaaVerdict::answer);
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(addr_of(m.answer[0]), "2001:db8:900d::1");

  Message only;
  only.answer.push_back(aaaa("h.example.test", 60, "2001:db8:bad::1"));
  EXPECT_EQ(classify_aaaa(only, N("h.example.test"), s), AaaaVerdict::synthesize);
}

TEST(Dns64Classify, AaaaAtTheEndOfTheChainCounts) {
  Message m;
  m.answer.push_back(cname("h.example.test", 300, "real.example.test"));
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::synthesize);
  m.answer.push_back(aaaa("real.example.test", 60, "2001:db8::5"));
  EXPECT_EQ(classify_aaaa(m, N("h.example.test"), Settings{}), AaaaVerdict::answer);
}

// RFC 6052 §2.4 table: 192.0.2.33 at every prefix length.
struct LenCase {
  const char* prefix;
  const char* expected;
};
class Dns64EveryLength : public ::testing::TestWithParam<LenCase> {};

TEST_P(Dns64EveryLength, SynthesizesTheRfc6052Address) {
  Settings s = with_prefix(GetParam().prefix);
  Message a_answer;
  a_answer.answer.push_back(a("h.example.test", 60, 192, 0, 2, 33));
  auto out = synthesize(nodata(), a_answer, N("h.example.test"), s, false);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->answer.size(), 1u);
  EXPECT_EQ(out->answer[0].type, kTypeAAAA);
  EXPECT_EQ(addr_of(out->answer[0]), GetParam().expected);
  EXPECT_EQ(out->answer[0].rdata[8], 0) << "u-octet must be zero";
}

INSTANTIATE_TEST_SUITE_P(Rfc6052Table, Dns64EveryLength,
                         ::testing::Values(LenCase{"2001:db8::/32", "2001:db8:c000:221::"},
                                           LenCase{"2001:db8:100::/40", "2001:db8:1c0:2:21::"},
                                           LenCase{"2001:db8:122::/48", "2001:db8:122:c000:2:2100::"},
                                           LenCase{"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"},
                                           LenCase{"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"},
                                           LenCase{"2001:db8:122:344::/96", "2001:db8:122:344::c000:221"},
                                           LenCase{"64:ff9b::/96", "64:ff9b::c000:221"}));

TEST(Dns64Synthesize, OneAaaaPerARecordInOrder) {
  Message a_answer;
  a_answer.answer.push_back(a("h.example.test", 60, 198, 51, 100, 2));
  a_answer.answer.push_back(a("h.example.test", 60, 198, 51, 100, 3));
  auto out = synthesize(nodata(), a_answer, N("h.example.test"), with_prefix("2001:db8:64::/96"), false);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->answer.size(), 2u);
  EXPECT_EQ(addr_of(out->answer[0]), "2001:db8:64::c633:6402");
  EXPECT_EQ(addr_of(out->answer[1]), "2001:db8:64::c633:6403");
  EXPECT_EQ(out->rcode, kNoError);
  EXPECT_TRUE(out->authority.empty());
}

TEST(Dns64Synthesize, TtlIsMinOfATtlAndNegativeTtl) {  // RFC 6147 §5.1.7, RFC 2308 §5
  Message a_answer;
  a_answer.answer.push_back(a("h.example.test", 3600, 192, 0, 2, 1));
  // SOA TTL 900, MINIMUM 120: negative TTL 120.
  auto out = synthesize(nodata(900, 120), a_answer, N("h.example.test"), Settings{}, false);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->answer[0].ttl, 120u);
  // SOA TTL 90, MINIMUM 3600: negative TTL 90.
  out = synthesize(nodata(90, 3600), a_answer, N("h.example.test"), Settings{}, false);
  EXPECT_EQ(out->answer[0].ttl, 90u);
  // A TTL smaller than both.
  a_answer.answer[0].ttl = 30;
  out = synthesize(nodata(900, 120), a_answer, N("h.example.test"), Settings{}, false);
  EXPECT_EQ(out->answer[0].ttl, 30u);
  // No SOA: 600 s stands in.
  a_answer.answer[0].ttl = 3600;
  out = synthesize(Message{}, a_answer, N("h.example.test"), Settings{}, false);
  EXPECT_EQ(out->answer[0].ttl, 600u);
}

TEST(Dns64Synthesize, ChainKeptSynthesisAtItsEnd) {
  Message a_answer;
  a_answer.answer.push_back(cname("alias.example.test", 300, "mid.example.test"));
  a_answer.answer.push_back(cname("mid.example.test", 300, "end.example.test"));
  a_answer.answer.push_back(a("end.example.test", 60, 192, 0, 2, 7));
  a_answer.answer.push_back(a("stray.example.test", 60, 192, 0, 2, 8));  // not on the chain
  auto out = synthesize(nodata(), a_answer, N("alias.example.test"), Settings{}, false);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->answer.size(), 3u);
  EXPECT_EQ(out->answer[0], a_answer.answer[0]);
  EXPECT_EQ(out->answer[1], a_answer.answer[1]);
  EXPECT_EQ(out->answer[2].owner, N("end.example.test"));
  EXPECT_EQ(addr_of(out->answer[2]), "64:ff9b::c000:207");
}

TEST(Dns64Synthesize, NoARecordGivesTheAaaaAnswer) {  // RFC 6147 §5.1.6
  EXPECT_FALSE(synthesize(nodata(), nodata(), N("h.example.test"), Settings{}, false));
  Message nx = nodata();
  nx.rcode = kNxDomain;
  Message a_answer;
  a_answer.rcode = kNxDomain;
  EXPECT_FALSE(synthesize(nodata(), a_answer, N("h.example.test"), Settings{}, false));
}

TEST(Dns64Synthesize, DnssecBits) {  // RFC 6147 §5.5
  Query q;
  q.do_bit = true;
  q.flags = kFlagCD;
  EXPECT_FALSE(synthesis_allowed(q));
  q.flags = 0;
  EXPECT_TRUE(synthesis_allowed(q));
  q.do_bit = false;
  q.flags = kFlagCD;
  EXPECT_TRUE(synthesis_allowed(q));

  Message a_answer;
  a_answer.ad = true;
  a_answer.answer.push_back(cname("alias.example.test", 300, "end.example.test"));
  a_answer.answer.push_back(rr("alias.example.test", kTypeRRSIG, 300, {0, kTypeCNAME, 13, 3}));
  a_answer.answer.push_back(a("end.example.test", 60, 192, 0, 2, 7));
  a_answer.answer.push_back(rr("end.example.test", kTypeRRSIG, 60, {0, kTypeA, 13, 3}));
  auto with_do = synthesize(nodata(), a_answer, N("alias.example.test"), Settings{}, true);
  ASSERT_TRUE(with_do);
  EXPECT_FALSE(with_do->ad);              // synthesized data is never authenticated
  ASSERT_EQ(with_do->answer.size(), 3u);  // CNAME, its RRSIG, AAAA; the A's RRSIG is gone
  EXPECT_EQ(with_do->answer[1].type, kTypeRRSIG);
  auto without = synthesize(nodata(), a_answer, N("alias.example.test"), Settings{}, false);
  ASSERT_EQ(without->answer.size(), 2u);
}

TEST(Dns64Ptr, TargetInsideThePrefix) {  // RFC 6147 §5.3.1
  // 64:ff9b::c000:221 = 64:ff9b::192.0.2.33
  auto q = N("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa");
  auto t = ptr_target(q, Settings{});
  ASSERT_TRUE(t);
  EXPECT_EQ(name_to_text(*t), "33.2.0.192.in-addr.arpa.");
  auto upper = N("1.2.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.IP6.ARPA");
  EXPECT_TRUE(ptr_target(upper, Settings{}));
  // /40 prefix: 2001:db8:1c0:2:21:: holds 192.0.2.33.
  auto q40 = N("0.0.0.0.0.0.0.0.0.0.0.0.1.2.0.0.2.0.0.0.0.c.1.0.8.b.d.0.1.0.0.2.ip6.arpa");
  auto t40 = ptr_target(q40, with_prefix("2001:db8:100::/40"));
  ASSERT_TRUE(t40);
  EXPECT_EQ(name_to_text(*t40), "33.2.0.192.in-addr.arpa.");
}

TEST(Dns64Ptr, OtherNamesAreForwarded) {
  EXPECT_FALSE(ptr_target(N("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"), Settings{}));
  EXPECT_FALSE(ptr_target(N("b.9.f.f.4.6.0.0.ip6.arpa"), Settings{}));  // not a full address
  EXPECT_FALSE(ptr_target(N("33.2.0.192.in-addr.arpa"), Settings{}));
  EXPECT_FALSE(ptr_target(N("x.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa"), Settings{}));
}

TEST(Dns64Ptr, AnswerIsCnamePlusTheUpstreamRecords) {
  auto q = N("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa");
  auto t = N("33.2.0.192.in-addr.arpa");
  Message up;
  up.answer.push_back(rr("33.2.0.192.in-addr.arpa", kTypePTR, 120, N("h.example.test")));
  Message out = ptr_answer(q, t, up);
  ASSERT_EQ(out.answer.size(), 2u);
  EXPECT_EQ(out.answer[0].type, kTypeCNAME);
  EXPECT_EQ(out.answer[0].owner, q);
  EXPECT_EQ(out.answer[0].rdata, t);
  EXPECT_EQ(out.answer[0].ttl, 120u);
  EXPECT_EQ(out.answer[1], up.answer[0]);

  Message nx = nodata(3600, 77);
  nx.rcode = kNxDomain;
  Message neg = ptr_answer(q, t, nx);
  EXPECT_EQ(neg.rcode, kNxDomain);
  EXPECT_EQ(neg.answer.size(), 1u);
  EXPECT_EQ(neg.answer[0].ttl, 77u);
  EXPECT_EQ(neg.authority.size(), 1u);
}

TEST(Dns64Ipv4only, AaaaEmbedsTheWellKnownAddresses) {  // RFC 7050 §2, RFC 8880 §7.2
  EXPECT_TRUE(is_ipv4only_arpa(N("IPv4only.ARPA")));
  EXPECT_FALSE(is_ipv4only_arpa(N("ipv4only.arpa.example")));
  auto m = ipv4only_answer(N("ipv4only.arpa"), kTypeAAAA, with_prefix("2001:db8:64::/96"));
  ASSERT_EQ(m.answer.size(), 2u);
  EXPECT_EQ(addr_of(m.answer[0]), "2001:db8:64::c000:aa");
  EXPECT_EQ(addr_of(m.answer[1]), "2001:db8:64::c000:ab");
  auto m32 = ipv4only_answer(N("ipv4only.arpa"), kTypeAAAA, with_prefix("2001:db8::/32"));
  EXPECT_EQ(addr_of(m32.answer[0]), "2001:db8:c000:aa::");
  auto m4 = ipv4only_answer(N("ipv4only.arpa"), kTypeA, Settings{});
  EXPECT_EQ(m4.answer[1].rdata, (std::vector<uint8_t>{192, 0, 0, 171}));
}

TEST(Dns64Wire, SynthesizedAnswerOnTheWire) {
  // The client asks h.example.test AAAA without EDNS; the answer must be a well-formed message
  // with the synthesized record (owner compressed to the question).
  std::vector<uint8_t> qw = {0,   7,   1,   0,   0,   1,   0, 0,   0,   0,   0,   0, 1, 'h', 7, 'e',
                             'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 28,  0, 1};
  Query q;
  ASSERT_EQ(parse_query(qw, q), QueryStatus::ok);
  Message a_answer;
  a_answer.answer.push_back(a("h.example.test", 60, 192, 0, 2, 33));
  auto m = synthesize(nodata(), a_answer, N("h.example.test"), Settings{}, false);
  ASSERT_TRUE(m);
  auto w = render(q, *m, udp_limit(q));
  std::vector<uint8_t> expect = qw;
  expect[2] = 0x81;  // QR RD
  expect[3] = 0x80;  // RA, NOERROR
  expect[7] = 1;     // ANCOUNT
  std::vector<uint8_t> rr_bytes = {0xc0, 12,   0, 28, 0, 1, 0, 0, 0, 60, 0,   16, 0, 0x64,
                                   0xff, 0x9b, 0, 0,  0, 0, 0, 0, 0, 0,  192, 0,  2, 33};
  expect.insert(expect.end(), rr_bytes.begin(), rr_bytes.end());
  EXPECT_EQ(w, expect);
}

}  // namespace
}  // namespace sixfour::dns64
