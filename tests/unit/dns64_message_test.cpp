// DNS message reading and writing for dns64: queries from raw bytes (RFC 1035 §4.1, RFC 6891 §6),
// upstream responses with compression, rendered answers with OPT and truncation.
#include <gtest/gtest.h>

#include <vector>

#include "dns64/message.hpp"

namespace sixfour::dns64 {
namespace {

// www.example.test
const std::vector<uint8_t> kName = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};

std::vector<uint8_t> query_bytes() {
  std::vector<uint8_t> q = {
      0x12, 0x34,                            // ID
      0x01, 0x10,                            // RD=1, CD=1
      0,    1,    0,   0,   0, 0,   0,   1,  // QD=1 AN=0 NS=0 AR=1
      3,    'W',  'w', 'W', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 28, 0, 1,  // AAAA IN
      0,           // OPT owner: root
      0,    41,    // TYPE OPT
      0x10, 0x00,  // UDP payload 4096
      0,    0,     // extended RCODE, version 0
      0x80, 0,     // DO=1
      0,    0,     // RDLENGTH 0
  };
  return q;
}

TEST(Dns64Query, ParsesHeaderQuestionAndEdns) {
  auto w = query_bytes();
  Query q;
  ASSERT_EQ(parse_query(w, q), QueryStatus::ok);
  EXPECT_EQ(q.id, 0x1234);
  EXPECT_TRUE(q.rd());
  EXPECT_TRUE(q.cd());
  EXPECT_EQ(q.qtype, kTypeAAAA);
  EXPECT_EQ(q.qclass, kClassIN);
  ASSERT_EQ(q.qname.len, kName.size());
  EXPECT_EQ(q.qname.b[1], 'W');  // case kept
  EXPECT_TRUE(q.edns);
  EXPECT_TRUE(q.do_bit);
  EXPECT_EQ(q.udp_size, 4096);
}

TEST(Dns64Query, WithoutEdnsTheLimitIs512) {
  auto w = query_bytes();
  w.resize(w.size() - 11);
  w[11] = 0;  // AR=0
  Query q;
  ASSERT_EQ(parse_query(w, q), QueryStatus::ok);
  EXPECT_FALSE(q.edns);
  EXPECT_FALSE(q.do_bit);
  EXPECT_EQ(udp_limit(q), 512u);
}

TEST(Dns64Query, SmallEdnsSizeCountsAs512) {
  auto w = query_bytes();
  w[w.size() - 8] = 0;
  w[w.size() - 7] = 100;  // payload 100 < 512 (RFC 6891 §6.2.5)
  Query q;
  ASSERT_EQ(parse_query(w, q), QueryStatus::ok);
  EXPECT_EQ(q.udp_size, 512);
}

TEST(Dns64Query, MalformedQueries) {
  Query q;
  std::vector<uint8_t> shortw = {0x12, 0x34, 0x01};
  EXPECT_EQ(parse_query(shortw, q), QueryStatus::drop);

  auto resp = query_bytes();
  resp[2] |= 0x80;  // QR=1: a response, never answered
  EXPECT_EQ(parse_query(resp, q), QueryStatus::drop);

  auto op = query_bytes();
  op[2] |= 2 << 3;  // opcode 2 (STATUS)
  EXPECT_EQ(parse_query(op, q), QueryStatus::notimp);
  EXPECT_EQ(q.id, 0x1234);

  auto two = query_bytes();
  two[5] = 2;  // QDCOUNT=2
  EXPECT_EQ(parse_query(two, q), QueryStatus::formerr);

  auto ptr = query_bytes();
  ptr[12] = 0xc0;  // compression pointer in the question
  EXPECT_EQ(parse_query(ptr, q), QueryStatus::formerr);

  auto cut = query_bytes();
  cut.resize(cut.size() - 3);  // OPT record cut short
  EXPECT_EQ(parse_query(cut, q), QueryStatus::formerr);
  EXPECT_EQ(q.qtype, kTypeAAAA);  // the question was readable: the FORMERR can echo it

  auto label = query_bytes();
  label[12] = 64;  // label length 64 (RFC 1035 §2.3.4: at most 63)
  EXPECT_EQ(parse_query(label, q), QueryStatus::formerr);

  auto ver = query_bytes();
  ver[ver.size() - 5] = 1;  // EDNS version 1
  EXPECT_EQ(parse_query(ver, q), QueryStatus::badvers);

  auto an = query_bytes();
  an[7] = 1;  // ANCOUNT=1 in a query
  EXPECT_EQ(parse_query(an, q), QueryStatus::formerr);
}

TEST(Dns64Query, ErrorAnswersEchoIdAndQuestion) {
  auto w = query_bytes();
  Query q;
  ASSERT_EQ(parse_query(w, q), QueryStatus::ok);
  auto r = render_error(q, QueryStatus::ok, kRefused);
  ASSERT_EQ(r.size(), 12 + kName.size() + 4 + 11);
  EXPECT_EQ(r[0], 0x12);
  EXPECT_EQ(r[1], 0x34);
  EXPECT_EQ(r[2], 0x81 | 0x00);             // QR, RD (opcode 0)
  EXPECT_EQ(r[3], 0x80 | 0x10 | kRefused);  // RA, CD, RCODE
  EXPECT_EQ(r[5], 1);
  EXPECT_EQ(r[11], 1);  // the OPT

  auto bv = query_bytes();
  bv[bv.size() - 5] = 1;
  ASSERT_EQ(parse_query(bv, q), QueryStatus::badvers);
  auto b = render_error(q, QueryStatus::badvers, 0);
  EXPECT_EQ(b[3] & 0xf, 0);
  EXPECT_EQ(b[b.size() - 6], 1);  // extended RCODE 1: BADVERS = 16 (RFC 6891 §6.1.3)
}

// A response to www.example.test AAAA with a CNAME (compressed owner and target) and an A record.
std::vector<uint8_t> response_bytes() {
  return {
      0xab, 0xcd, 0x81, 0xa0,  // QR RD RA AD, NOERROR
      0,    1,    0,    2,    0,   0,   0,    0,   3,   'w', 'w', 'w', 7, 'e', 'x',  'a',
      'm',  'p',  'l',  'e',  4,   't', 'e',  's', 't', 0,   0,   1,   0, 1,   0xc0, 12,  // owner: www.example.test
      0,    5,    0,    1,    0,   0,   1,    44,                                         // CNAME IN TTL 300
      0,    6,    3,    'w',  'e', 'b', 0xc0, 16,                                         // web.example.test
      0xc0, 46,                                                                           // owner: web.example.test
      0,    1,    0,    1,    0,   0,   0,    60,                                         // A IN TTL 60
      0,    4,    192,  0,    2,   33,
  };
}

TEST(Dns64Response, ParsesAndDecompresses) {
  auto w = response_bytes();
  auto m = parse_response(w, kName, kTypeA);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->rcode, kNoError);
  EXPECT_TRUE(m->ad);
  ASSERT_EQ(m->answer.size(), 2u);
  EXPECT_EQ(m->answer[0].type, kTypeCNAME);
  EXPECT_EQ(m->answer[0].ttl, 300u);
  std::vector<uint8_t> web = {3, 'w', 'e', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};
  EXPECT_EQ(m->answer[0].rdata, web);
  EXPECT_EQ(m->answer[1].owner, web);
  EXPECT_EQ(m->answer[1].rdata, (std::vector<uint8_t>{192, 0, 2, 33}));
}

TEST(Dns64Response, RejectsMismatchAndQueries) {
  auto w = response_bytes();
  EXPECT_FALSE(parse_response(w, kName, kTypeAAAA));  // other qtype
  auto other = kName;
  other[1] = 'x';
  EXPECT_FALSE(parse_response(w, other, kTypeA));
  w[2] &= 0x7f;  // QR=0
  EXPECT_FALSE(parse_response(w, kName, kTypeA));
  auto cut = response_bytes();
  cut.resize(cut.size() - 2);
  EXPECT_FALSE(parse_response(cut, kName, kTypeA));
}

TEST(Dns64Render, AnswerCarriesQueryIdQuestionCaseAndOpt) {
  auto qw = query_bytes();
  Query q;
  ASSERT_EQ(parse_query(qw, q), QueryStatus::ok);
  auto m = parse_response(response_bytes(), kName, kTypeA);
  ASSERT_TRUE(m);
  auto r = render(q, *m, 4096);
  EXPECT_EQ(r[0], 0x12);
  EXPECT_EQ(r[1], 0x34);
  EXPECT_EQ(r[2] & 0x80, 0x80);    // QR
  EXPECT_EQ(r[3] & 0x30, 0x30);    // AD from the upstream, CD from the query
  EXPECT_EQ(r[7], 2);              // ANCOUNT
  EXPECT_EQ(r[11], 1);             // ARCOUNT: our OPT
  EXPECT_EQ(r[13], 'W');           // the client's case
  EXPECT_EQ(r[r.size() - 11], 0);  // OPT owner root
  EXPECT_EQ(r[r.size() - 9], kTypeOPT);
  EXPECT_EQ(r[r.size() - 8] << 8 | r[r.size() - 7], kEdnsSize);
  EXPECT_EQ(r[r.size() - 4], 0x80);  // DO echoed
  auto back = parse_response(r, kName, kTypeAAAA);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->answer.size(), m->answer.size());
  for (size_t i = 0; i < m->answer.size(); ++i) {
    // Owners may be compressed against the client's question, so compare without case.
    EXPECT_TRUE(name_equal(back->answer[i].owner, m->answer[i].owner));
    EXPECT_EQ(back->answer[i].type, m->answer[i].type);
    EXPECT_EQ(back->answer[i].ttl, m->answer[i].ttl);
    EXPECT_EQ(back->answer[i].rdata, m->answer[i].rdata);
  }
}

TEST(Dns64Render, TooLargeGivesTcWithEmptySections) {
  auto qw = query_bytes();
  Query q;
  ASSERT_EQ(parse_query(qw, q), QueryStatus::ok);
  Message m;
  for (int i = 0; i < 40; ++i) {
    Rr r;
    r.owner = kName;
    r.type = kTypeAAAA;
    r.ttl = 60;
    r.rdata.assign(16, static_cast<uint8_t>(i));
    m.answer.push_back(r);
  }
  auto big = render(q, m, 4096);
  EXPECT_EQ(big[2] & 0x02, 0);
  EXPECT_GT(big.size(), 512u);
  auto r = render(q, m, 512);
  EXPECT_LE(r.size(), 512u);
  EXPECT_EQ(r[2] & 0x02, 0x02);  // TC
  EXPECT_EQ(r[7], 0);            // no answers
  EXPECT_EQ(r[11], 1);           // OPT kept
}

TEST(Dns64Render, UpstreamQuery) {
  auto w = build_query(0x4242, kName, kTypeA, true, true);
  Query q;
  ASSERT_EQ(parse_query(w, q), QueryStatus::ok);
  EXPECT_EQ(q.id, 0x4242);
  EXPECT_TRUE(q.rd());
  EXPECT_TRUE(q.cd());
  EXPECT_TRUE(q.do_bit);
  EXPECT_EQ(q.udp_size, kEdnsSize);
  EXPECT_EQ(q.qtype, kTypeA);
}

TEST(Dns64Names, TextAndCase) {
  auto n = name_from_text("WWW.example.test.");
  ASSERT_TRUE(n);
  EXPECT_TRUE(name_equal(*n, kName));
  EXPECT_EQ(name_to_text(*n), "WWW.example.test.");
  EXPECT_EQ(name_lower(*n), kName);
  EXPECT_FALSE(name_from_text("a..b"));
}

}  // namespace
}  // namespace sixfour::dns64
