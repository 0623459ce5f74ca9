// RFC 1928 / RFC 1929 / SOCKS4(a) wire formats, built byte by byte from the specifications.
#include <gtest/gtest.h>

#include <vector>

#include "socks/protocol.hpp"

namespace sixfour::socks {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename F>
auto parse(F f, const Bytes& b) {
  return f(std::span<const uint8_t>(b.data(), b.size()));
}

// Every proper prefix of a complete message must ask for more bytes (split client bytes).
template <typename F>
void every_prefix_needs_more(F f, const Bytes& b) {
  for (size_t n = 0; n < b.size(); ++n) {
    auto p = f(std::span<const uint8_t>(b.data(), n));
    EXPECT_EQ(p.status, Step::NeedMore) << "prefix of " << n << " bytes";
  }
}

TEST(SocksGreeting, Rfc1928Section3MethodSelection) {
  // VER=5 NMETHODS=2 METHODS={00 no auth, 02 username/password}
  const Bytes b{0x05, 0x02, 0x00, 0x02};
  every_prefix_needs_more(parse_greeting, b);
  auto p = parse(parse_greeting, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, 4u);
  EXPECT_EQ(p.value.version, 5);
  EXPECT_EQ(p.value.methods, (Bytes{0x00, 0x02}));
  EXPECT_EQ(choose_method(p.value.methods, false), kMethodNoAuth);
  EXPECT_EQ(choose_method(p.value.methods, true), kMethodUserPass);
  EXPECT_EQ(choose_method({0x00}, true), kMethodNoAcceptable);
  EXPECT_EQ(choose_method({0x02}, false), kMethodNoAcceptable);
}

TEST(SocksGreeting, PipelinedBytesAreNotConsumed) {
  // Greeting followed at once by a CONNECT request (a client that does not wait).
  const Bytes b{0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 198, 51, 100, 2, 0x00, 0x50};
  auto g = parse(parse_greeting, b);
  ASSERT_EQ(g.status, Step::Done);
  EXPECT_EQ(g.consumed, 3u);
  auto r = parse_request(std::span<const uint8_t>(b).subspan(g.consumed));
  ASSERT_EQ(r.status, Step::Done);
  EXPECT_EQ(r.consumed, 10u);
  EXPECT_EQ(r.value.dst, Address::v4({198, 51, 100, 2}, 80));
}

TEST(SocksGreeting, BadVersionAndEmptyMethods) {
  auto p = parse(parse_greeting, Bytes{'G', 'E', 'T', ' '});
  EXPECT_EQ(p.status, Step::Bad);
  p = parse(parse_greeting, Bytes{0x05, 0x00});
  EXPECT_EQ(p.status, Step::Bad);
}

TEST(SocksGreeting, Socks4Connect) {
  // VN=4 CD=1 DSTPORT=80 DSTIP=198.51.100.2 USERID="bob" NUL
  const Bytes b{0x04, 0x01, 0x00, 0x50, 198, 51, 100, 2, 'b', 'o', 'b', 0x00};
  every_prefix_needs_more(parse_greeting, b);
  auto p = parse(parse_greeting, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, b.size());
  EXPECT_EQ(p.value.version, 4);
  EXPECT_EQ(p.value.socks4.command, 1);
  EXPECT_EQ(p.value.socks4.user_id, "bob");
  EXPECT_EQ(p.value.socks4.dst, Address::v4({198, 51, 100, 2}, 80));
}

TEST(SocksGreeting, Socks4aHostName) {
  // DSTIP 0.0.0.1 means a host name follows the user id (SOCKS4a).
  const Bytes b{0x04, 0x01, 0x1f, 0x90, 0, 0, 0, 1, 0x00, 'h', '.', 't', 'e', 's', 't', 0x00, 'X'};
  auto p = parse(parse_greeting, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, b.size() - 1);  // 'X' is the client's first data byte
  EXPECT_EQ(p.value.socks4.dst, Address::name("h.test", 8080));
  EXPECT_EQ(p.value.socks4.user_id, "");
  every_prefix_needs_more(parse_greeting, Bytes(b.begin(), b.end() - 1));
}

TEST(SocksGreeting, Socks4UnknownCommandAndEndlessUserId) {
  auto p = parse(parse_greeting, Bytes{0x04, 0x07, 0, 80, 1, 2, 3, 4, 0});
  ASSERT_EQ(p.status, Step::Bad);
  EXPECT_EQ(p.error, Reply::CommandNotSupported);
  Bytes endless{0x04, 0x01, 0, 80, 1, 2, 3, 4};
  endless.resize(8 + 300, 'a');
  EXPECT_EQ(parse(parse_greeting, endless).status, Step::Bad);
}

TEST(SocksUserPass, Rfc1929Section2) {
  // VER=1 ULEN=5 "alice" PLEN=3 "pw1"
  const Bytes b{0x01, 5, 'a', 'l', 'i', 'c', 'e', 3, 'p', 'w', '1'};
  every_prefix_needs_more(parse_userpass, b);
  auto p = parse(parse_userpass, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, b.size());
  EXPECT_EQ(p.value.user, "alice");
  EXPECT_EQ(p.value.password, "pw1");
  EXPECT_EQ(userpass_reply(true), (std::array<uint8_t, 2>{0x01, 0x00}));
  EXPECT_EQ(userpass_reply(false)[1], 0x01);
  EXPECT_EQ(parse(parse_userpass, Bytes{0x05, 1, 'a', 1, 'b'}).status, Step::Bad);
  // UNAME and PASSWD are 1 to 255 bytes: an empty one is malformed, told as soon as it is seen.
  EXPECT_EQ(parse(parse_userpass, Bytes{0x01, 0}).status, Step::Bad);
  EXPECT_EQ(parse(parse_userpass, Bytes{0x01, 0, 1, 'b'}).status, Step::Bad);
  EXPECT_EQ(parse(parse_userpass, Bytes{0x01, 1, 'a', 0}).status, Step::Bad);
  EXPECT_EQ(parse(parse_userpass, Bytes{0x01, 1, 'a', 0, 'x'}).status, Step::Bad);
}

TEST(SocksRequest, ConnectIpv4) {
  const Bytes b{0x05, 0x01, 0x00, 0x01, 198, 51, 100, 2, 0x01, 0xbb};
  every_prefix_needs_more(parse_request, b);
  auto p = parse(parse_request, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, 10u);
  EXPECT_EQ(p.value.command, Command::Connect);
  EXPECT_EQ(p.value.dst, Address::v4({198, 51, 100, 2}, 443));
  EXPECT_EQ(p.value.dst.str(), "198.51.100.2:443");
}

TEST(SocksRequest, UdpAssociateIpv6) {
  Bytes b{0x05, 0x03, 0x00, 0x04};
  const std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  b.insert(b.end(), a.begin(), a.end());
  b.push_back(0x00);
  b.push_back(0x35);
  every_prefix_needs_more(parse_request, b);
  auto p = parse(parse_request, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.consumed, 22u);
  EXPECT_EQ(p.value.command, Command::UdpAssociate);
  EXPECT_EQ(p.value.dst, Address::v6(a, 53));
  EXPECT_EQ(p.value.dst.str(), "[2001:db8:6::2]:53");
}

TEST(SocksRequest, BindDomain) {
  const Bytes b{0x05, 0x02, 0x00, 0x03, 7, 'e', 'x', '.', 't', 'e', 's', 't', 0x00, 0x15};
  every_prefix_needs_more(parse_request, b);
  auto p = parse(parse_request, b);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.value.command, Command::Bind);
  EXPECT_EQ(p.value.dst, Address::name("ex.test", 21));
}

TEST(SocksRequest, ErrorsCarryTheRfc1928Section6ReplyCode) {
  auto p = parse(parse_request, Bytes{0x04, 0x01});
  ASSERT_EQ(p.status, Step::Bad);
  EXPECT_EQ(p.error, Reply::GeneralFailure);
  p = parse(parse_request, Bytes{0x05, 0x09});
  ASSERT_EQ(p.status, Step::Bad);
  EXPECT_EQ(p.error, Reply::CommandNotSupported);
  p = parse(parse_request, Bytes{0x05, 0x01, 0x00, 0x02, 1, 2, 3, 4, 0, 80});
  ASSERT_EQ(p.status, Step::Bad);
  EXPECT_EQ(p.error, Reply::AddressTypeNotSupported);
  p = parse(parse_request, Bytes{0x05, 0x01, 0x00, 0x03, 0, 0, 80});
  ASSERT_EQ(p.status, Step::Bad);
  EXPECT_EQ(p.error, Reply::HostUnreachable);
}

TEST(SocksReply, EncodesBoundAddress) {
  std::array<uint8_t, kMaxReply> out{};
  size_t n = encode_reply(Reply::Succeeded, Address::v4({203, 0, 113, 1}, 40000), out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + n), (Bytes{0x05, 0x00, 0x00, 0x01, 203, 0, 113, 1, 0x9c, 0x40}));
  const std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  n = encode_reply(Reply::ConnectionRefused, Address::v6(a, 1), out);
  ASSERT_EQ(n, 22u);
  EXPECT_EQ(out[1], 0x05);
  EXPECT_EQ(out[3], 0x04);
  EXPECT_EQ(out[4], 0x20);
  EXPECT_EQ(out[21], 0x01);
  n = encode_reply(Reply::HostUnreachable, Address{}, out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + n), (Bytes{5, 4, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(socks4_reply(true, 80, {1, 2, 3, 4}), (std::array<uint8_t, 8>{0, 90, 0, 80, 1, 2, 3, 4}));
  EXPECT_EQ(socks4_reply(false)[1], 91);
}

TEST(SocksUdp, Rfc1928Section7Header) {
  const Bytes d{0x00, 0x00, 0x00, 0x01, 198, 51, 100, 2, 0x1f, 0x40, 'h', 'i'};
  auto p = parse(parse_udp_header, d);
  ASSERT_EQ(p.status, Step::Done);
  EXPECT_EQ(p.value.length, 10u);
  EXPECT_EQ(p.value.frag, 0);
  EXPECT_EQ(p.value.dst, Address::v4({198, 51, 100, 2}, 8000));
  const Bytes frag{0x00, 0x00, 0x01, 0x01, 1, 2, 3, 4, 0, 1};
  EXPECT_EQ(parse(parse_udp_header, frag).value.frag, 1);
  EXPECT_EQ(parse(parse_udp_header, Bytes{0, 0, 0, 1, 1, 2}).status, Step::Bad);
  std::array<uint8_t, kMaxReply> out{};
  const size_t n = encode_udp_header(Address::v4({198, 51, 100, 2}, 8000), out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + n), Bytes(d.begin(), d.begin() + 10));
}

}  // namespace
}  // namespace sixfour::socks
