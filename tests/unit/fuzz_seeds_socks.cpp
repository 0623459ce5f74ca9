// Seeds of fuzz/socks_fuzz.cpp: a settings byte (bit 0 users configured, bits 1-3 the number of
// read sizes that follow), the read sizes (each + 1 octets), then a client's handshake: SOCKS5
// without and with RFC 1929 authentication, CONNECT to each address type (requests written with
// the server's own encode_reply, whose layout is the request's), UDP ASSOCIATE, SOCKS4 and SOCKS4a,
// bytes pipelined after the request, and a client speaking another protocol.
#include <string>

#include "fuzz_seeds.hpp"
#include "socks/protocol.hpp"

using namespace sixfour::socks;
using fuzzseeds::Bytes;

namespace {

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

// VER CMD RSV ATYP ADDR PORT: a reply's layout with the command in the reply field.
Bytes request(Command cmd, const Address& dst) {
  if (dst.kind == Address::Kind::Domain) {
    Bytes b{5, static_cast<uint8_t>(cmd), 0, kAtypDomain, static_cast<uint8_t>(dst.domain.size())};
    b.insert(b.end(), dst.domain.begin(), dst.domain.end());
    b.push_back(static_cast<uint8_t>(dst.port >> 8));
    b.push_back(static_cast<uint8_t>(dst.port));
    return b;
  }
  std::array<uint8_t, kMaxReply> out{};
  const size_t n = encode_reply(static_cast<Reply>(cmd), dst, out);
  return Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

Bytes userpass(const std::string& user, const std::string& password) {
  Bytes b{1, static_cast<uint8_t>(user.size())};
  b.insert(b.end(), user.begin(), user.end());
  b.push_back(static_cast<uint8_t>(password.size()));
  b.insert(b.end(), password.begin(), password.end());
  return b;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

SIXFOUR_FUZZ_SEEDS(socks) {
  fuzzseeds::Seeds s;
  const Address v4 = Address::v4({198, 51, 100, 2}, 80);
  const Address v6 = Address::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 443);
  const Address name = Address::name("www.example.test", 8080);
  const Bytes noauth{5, 1, kMethodNoAuth};
  const Bytes both{5, 2, kMethodNoAuth, kMethodUserPass};
  s.emplace_back("socks5-v4", fuzzseeds::with({0}, cat({noauth, request(Command::Connect, v4)})));
  s.emplace_back("socks5-v4-split", fuzzseeds::with({3 << 1, 0, 1, 2}, cat({noauth, request(Command::Connect, v4)})));
  s.emplace_back(
      "socks5-v6-pipelined",
      fuzzseeds::with({2 << 1, 3, 0}, cat({both, request(Command::Connect, v6), text("GET / HTTP/1.0\r\n")})));
  s.emplace_back("socks5-auth-name", fuzzseeds::with({1 | 4 << 1, 0, 2, 5, 0}, cat({both, userpass("alice", "secret"),
                                                                                    request(Command::Connect, name)})));
  s.emplace_back("socks5-udp", fuzzseeds::with({0}, cat({noauth, request(Command::UdpAssociate, v6)})));
  s.emplace_back("socks5-bind", fuzzseeds::with({1 << 1, 1}, cat({noauth, request(Command::Bind, v4)})));
  s.emplace_back("socks5-no-method", fuzzseeds::with({1}, noauth));
  s.emplace_back("socks4", fuzzseeds::with({2 << 1, 0, 3}, Bytes{4, 1, 0, 80, 198, 51, 100, 2, 'u', 0}));
  s.emplace_back(
      "socks4a",
      fuzzseeds::with({0}, cat({Bytes{4, 1, 0x1f, 0x90, 0, 0, 0, 1, 0}, text("www.example.test"), Bytes{0}})));
  s.emplace_back("udp-header",
                 fuzzseeds::with({0}, cat({Bytes{0, 0, 0, kAtypDomain, 4}, text("host"), Bytes{0, 53, 1}})));
  s.emplace_back("http", fuzzseeds::with({0}, text("GET / HTTP/1.1\r\n\r\n")));
  return s;
}
