#include "socks/protocol.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "addr/ip.hpp"

namespace sixfour::socks {

std::string_view reply_name(Reply r) {
  switch (r) {
    case Reply::Succeeded:
      return "succeeded";
    case Reply::GeneralFailure:
      return "general failure";
    case Reply::NotAllowed:
      return "not allowed by ruleset";
    case Reply::NetUnreachable:
      return "network unreachable";
    case Reply::HostUnreachable:
      return "host unreachable";
    case Reply::ConnectionRefused:
      return "connection refused";
    case Reply::TtlExpired:
      return "TTL expired";
    case Reply::CommandNotSupported:
      return "command not supported";
    case Reply::AddressTypeNotSupported:
      return "address type not supported";
  }
  return "unknown";
}

Address Address::v4(std::array<uint8_t, 4> a, uint16_t port) {
  Address r;
  r.kind = Kind::Ipv4;
  std::copy(a.begin(), a.end(), r.ip.begin());
  r.port = port;
  return r;
}

Address Address::v6(const std::array<uint8_t, 16>& a, uint16_t port) {
  Address r;
  r.kind = Kind::Ipv6;
  r.ip = a;
  r.port = port;
  return r;
}

Address Address::name(std::string d, uint16_t port) {
  Address r;
  r.kind = Kind::Domain;
  r.domain = std::move(d);
  r.port = port;
  return r;
}

std::string Address::str() const {
  switch (kind) {
    case Kind::Ipv4:
      return fmt::format("{}.{}.{}.{}:{}", ip[0], ip[1], ip[2], ip[3], port);
    case Kind::Ipv6:
      return fmt::format("[{}]:{}", Ipv6Addr{ip}.str(), port);
    case Kind::Domain:
      break;
  }
  return fmt::format("{}:{}", domain, port);
}

namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

template <typename T>
Parsed<T> need_more() {
  return {};
}

template <typename T>
Parsed<T> bad(Reply r, std::string_view why) {
  Parsed<T> p;
  p.status = Step::Bad;
  p.error = r;
  p.why = why;
  return p;
}

// SOCKS4 strings (USERID, and the SOCKS4a host name) end with NUL; a client that sends more than
// this many bytes without one is not speaking SOCKS4.
constexpr size_t kMaxSocks4String = 255;

// Finds the NUL ending a string that starts at `from`; returns its index, in.size() if not yet
// received, or SIZE_MAX if the string is too long.
size_t find_nul(std::span<const uint8_t> in, size_t from) {
  for (size_t i = from; i < in.size(); ++i) {
    if (in[i] == 0) return i;
    if (i - from >= kMaxSocks4String) return SIZE_MAX;
  }
  return in.size() - from > kMaxSocks4String ? SIZE_MAX : in.size();
}

// SOCKS4: VN=4 CD DSTPORT(2) DSTIP(4) USERID NUL [SOCKS4a: HOST NUL when DSTIP is 0.0.0.x, x!=0].
Parsed<Greeting> parse_socks4(std::span<const uint8_t> in) {
  if (in.size() < 8) return need_more<Greeting>();
  Greeting g;
  g.version = 4;
  Socks4Request& r = g.socks4;
  r.command = in[1];
  const uint16_t port = be16(&in[2]);
  const std::array<uint8_t, 4> ip{in[4], in[5], in[6], in[7]};
  size_t end = find_nul(in, 8);
  if (end == SIZE_MAX) return bad<Greeting>(Reply::GeneralFailure, "SOCKS4 user id too long");
  if (end == in.size()) return need_more<Greeting>();
  r.user_id.assign(reinterpret_cast<const char*>(&in[8]), end - 8);
  size_t consumed = end + 1;
  if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
    size_t hend = find_nul(in, consumed);
    if (hend == SIZE_MAX) return bad<Greeting>(Reply::GeneralFailure, "SOCKS4a host name too long");
    if (hend == in.size()) return need_more<Greeting>();
    if (hend == consumed) return bad<Greeting>(Reply::HostUnreachable, "SOCKS4a empty host name");
    r.dst = Address::name(std::string(reinterpret_cast<const char*>(&in[consumed]), hend - consumed), port);
    consumed = hend + 1;
  } else {
    r.dst = Address::v4(ip, port);
  }
  if (r.command != 1 && r.command != 2) return bad<Greeting>(Reply::CommandNotSupported, "SOCKS4 unknown command");
  Parsed<Greeting> p;
  p.status = Step::Done;
  p.consumed = consumed;
  p.value = std::move(g);
  return p;
}

// ATYP + address + port starting at in[at]; shared by requests (§4) and UDP headers (§7).
// Returns the number of bytes, 0 if more are needed; sets `err` if Bad.
size_t parse_address(std::span<const uint8_t> in, size_t at, Address& out, Reply& err, std::string_view& why) {
  if (in.size() <= at) return 0;
  const uint8_t atyp = in[at];
  size_t need = 0;
  switch (atyp) {
    case kAtypIpv4:
      need = 1 + 4 + 2;
      break;
    case kAtypIpv6:
      need = 1 + 16 + 2;
      break;
    case kAtypDomain:
      if (in.size() < at + 2) return 0;
      need = 1 + 1 + in[at + 1] + 2;
      break;
    default:
      err = Reply::AddressTypeNotSupported;
      why = "unknown address type";
      return SIZE_MAX;
  }
  if (in.size() < at + need) return 0;
  const uint8_t* p = &in[at + 1];
  if (atyp == kAtypIpv4) {
    out = Address::v4({p[0], p[1], p[2], p[3]}, be16(p + 4));
  } else if (atyp == kAtypIpv6) {
    std::array<uint8_t, 16> a;
    std::memcpy(a.data(), p, 16);
    out = Address::v6(a, be16(p + 16));
  } else {
    const size_t len = p[0];
    if (len == 0) {
      err = Reply::HostUnreachable;
      why = "empty domain name";
      return SIZE_MAX;
    }
    out = Address::name(std::string(reinterpret_cast<const char*>(p + 1), len), be16(p + 1 + len));
  }
  return need;
}

}  // namespace

Parsed<Greeting> parse_greeting(std::span<const uint8_t> in) {
  if (in.empty()) return need_more<Greeting>();
  if (in[0] == 4) return parse_socks4(in);
  if (in[0] != 5) return bad<Greeting>(Reply::GeneralFailure, "unknown SOCKS version");
  // RFC 1928 §3: VER NMETHODS METHODS(1..255).
  if (in.size() < 2) return need_more<Greeting>();
  const size_t n = in[1];
  if (n == 0) return bad<Greeting>(Reply::GeneralFailure, "no authentication methods offered");
  if (in.size() < 2 + n) return need_more<Greeting>();
  Parsed<Greeting> p;
  p.status = Step::Done;
  p.consumed = 2 + n;
  p.value.version = 5;
  p.value.methods.assign(in.begin() + 2, in.begin() + 2 + static_cast<std::ptrdiff_t>(n));
  return p;
}

uint8_t choose_method(const std::vector<uint8_t>& offered, bool need_auth) {
  const uint8_t want = need_auth ? kMethodUserPass : kMethodNoAuth;
  return std::find(offered.begin(), offered.end(), want) != offered.end() ? want : kMethodNoAcceptable;
}

Parsed<UserPass> parse_userpass(std::span<const uint8_t> in) {
  // RFC 1929 §2: VER=1 ULEN UNAME(1..255) PLEN PASSWD(1..255).
  if (in.empty()) return need_more<UserPass>();
  if (in[0] != 1) return bad<UserPass>(Reply::GeneralFailure, "wrong username/password version");
  if (in.size() < 2) return need_more<UserPass>();
  const size_t ulen = in[1];
  if (ulen == 0) return bad<UserPass>(Reply::GeneralFailure, "empty username");
  if (in.size() < 2 + ulen + 1) return need_more<UserPass>();
  const size_t plen = in[2 + ulen];
  if (plen == 0) return bad<UserPass>(Reply::GeneralFailure, "empty password");
  if (in.size() < 3 + ulen + plen) return need_more<UserPass>();
  Parsed<UserPass> p;
  p.status = Step::Done;
  p.consumed = 3 + ulen + plen;
  p.value.user.assign(reinterpret_cast<const char*>(&in[2]), ulen);
  p.value.password.assign(reinterpret_cast<const char*>(&in[3 + ulen]), plen);
  return p;
}

std::array<uint8_t, 2> userpass_reply(bool ok) { return {0x01, static_cast<uint8_t>(ok ? 0x00 : 0x01)}; }

Parsed<Request> parse_request(std::span<const uint8_t> in) {
  // RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT.
  if (in.empty()) return need_more<Request>();
  if (in[0] != 5) return bad<Request>(Reply::GeneralFailure, "wrong version in request");
  if (in.size() < 2) return need_more<Request>();
  const uint8_t cmd = in[1];
  if (cmd < 1 || cmd > 3) return bad<Request>(Reply::CommandNotSupported, "unknown command");
  Parsed<Request> p;
  Reply err = Reply::GeneralFailure;
  std::string_view why;
  const size_t n = parse_address(in, 3, p.value.dst, err, why);
  if (n == SIZE_MAX) return bad<Request>(err, why);
  if (n == 0) return need_more<Request>();
  p.status = Step::Done;
  p.consumed = 3 + n;
  p.value.command = static_cast<Command>(cmd);
  return p;
}

namespace {

size_t put_address(const Address& a, uint8_t* out) {
  size_t n = 0;
  if (a.kind == Address::Kind::Ipv6) {
    out[n++] = kAtypIpv6;
    std::memcpy(out + n, a.ip.data(), 16);
    n += 16;
  } else {
    out[n++] = kAtypIpv4;
    if (a.kind == Address::Kind::Ipv4)
      std::memcpy(out + n, a.ip.data(), 4);
    else
      std::memset(out + n, 0, 4);
    n += 4;
  }
  out[n++] = static_cast<uint8_t>(a.port >> 8);
  out[n++] = static_cast<uint8_t>(a.port);
  return n;
}

}  // namespace

size_t encode_reply(Reply rep, const Address& bound, std::span<uint8_t, kMaxReply> out) {
  out[0] = 5;
  out[1] = static_cast<uint8_t>(rep);
  out[2] = 0;
  return 3 + put_address(bound, &out[3]);
}

std::array<uint8_t, 8> socks4_reply(bool granted, uint16_t port, std::array<uint8_t, 4> ip) {
  return {0,
          static_cast<uint8_t>(granted ? 90 : 91),
          static_cast<uint8_t>(port >> 8),
          static_cast<uint8_t>(port),
          ip[0],
          ip[1],
          ip[2],
          ip[3]};
}

Parsed<UdpHeader> parse_udp_header(std::span<const uint8_t> d) {
  // RFC 1928 §7: RSV(2) FRAG ATYP DST.ADDR DST.PORT DATA.
  if (d.size() < 4) return bad<UdpHeader>(Reply::GeneralFailure, "short UDP datagram");
  Parsed<UdpHeader> p;
  Reply err = Reply::GeneralFailure;
  std::string_view why;
  const size_t n = parse_address(d, 3, p.value.dst, err, why);
  if (n == SIZE_MAX) return bad<UdpHeader>(err, why);
  if (n == 0) return bad<UdpHeader>(Reply::GeneralFailure, "truncated UDP header");
  p.status = Step::Done;
  p.value.frag = d[2];
  p.value.length = 3 + n;
  p.consumed = p.value.length;
  return p;
}

size_t encode_udp_header(const Address& from, std::span<uint8_t, kMaxReply> out) {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  return 3 + put_address(from, &out[3]);
}

}  // namespace sixfour::socks
