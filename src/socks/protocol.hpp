// SOCKS wire formats: RFC 1928 (SOCKS5), RFC 1929 (username/password), SOCKS4 and SOCKS4a.
// Pure and incremental: every parser looks at the bytes received so far and answers "need more",
// "bad" (with the reply to send) or "done" with how many bytes it consumed, so split and pipelined
// client bytes both work: the caller keeps unconsumed bytes for the next step (after a CONNECT they
// are the first bytes for the target).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sixfour::socks {

// RFC 1928 §6 reply field.
enum class Reply : uint8_t {
  Succeeded = 0x00,
  GeneralFailure = 0x01,
  NotAllowed = 0x02,  // connection not allowed by ruleset
  NetUnreachable = 0x03,
  HostUnreachable = 0x04,
  ConnectionRefused = 0x05,
  TtlExpired = 0x06,
  CommandNotSupported = 0x07,
  AddressTypeNotSupported = 0x08,
};
std::string_view reply_name(Reply r);

// RFC 1928 §4 CMD field.
enum class Command : uint8_t { Connect = 0x01, Bind = 0x02, UdpAssociate = 0x03 };

// RFC 1928 §3 METHOD values this server knows.
inline constexpr uint8_t kMethodNoAuth = 0x00;
inline constexpr uint8_t kMethodUserPass = 0x02;
inline constexpr uint8_t kMethodNoAcceptable = 0xff;

// RFC 1928 §5 address types.
inline constexpr uint8_t kAtypIpv4 = 0x01;
inline constexpr uint8_t kAtypDomain = 0x03;
inline constexpr uint8_t kAtypIpv6 = 0x04;

// A destination as the client named it.
struct Address {
  enum class Kind : uint8_t { Ipv4, Ipv6, Domain };
  Kind kind = Kind::Ipv4;
  std::array<uint8_t, 16> ip{};  // Ipv4: first 4 bytes; network order
  std::string domain;            // Domain: 1..255 bytes, as sent
  uint16_t port = 0;             // host order

  static Address v4(std::array<uint8_t, 4> a, uint16_t port);
  static Address v6(const std::array<uint8_t, 16>& a, uint16_t port);
  static Address name(std::string d, uint16_t port);
  std::string str() const;  // "198.51.100.2:80", "[2001:db8::1]:80", "example.test:80"
  bool operator==(const Address&) const = default;
};

enum class Step : uint8_t { NeedMore, Done, Bad };

template <typename T>
struct Parsed {
  Step status = Step::NeedMore;
  size_t consumed = 0;  // Done: bytes that belong to this message
  T value{};
  // Bad: what to answer before closing (SOCKS5 reply code; the SOCKS4 path maps it).
  Reply error = Reply::GeneralFailure;
  std::string_view why;  // Bad: for the log and the counters
};

// ---- the first message: SOCKS5 method selection (RFC 1928 §3) or a SOCKS4/4a request ----

struct Socks4Request {
  uint8_t command = 0;  // 1 CONNECT, 2 BIND
  Address dst;          // Ipv4, or Domain for SOCKS4a (DSTIP 0.0.0.x, x != 0)
  std::string user_id;
};

struct Greeting {
  uint8_t version = 0;           // 5 or 4
  std::vector<uint8_t> methods;  // version 5
  Socks4Request socks4;          // version 4
};

// Any first byte other than 4 or 5 is Bad (a client speaking another protocol).
Parsed<Greeting> parse_greeting(std::span<const uint8_t> in);

// Picks the method: user/pass if `need_auth` and offered, no-auth if not `need_auth` and offered,
// else kMethodNoAcceptable.
uint8_t choose_method(const std::vector<uint8_t>& offered, bool need_auth);

// ---- RFC 1929 username/password sub-negotiation ----

struct UserPass {
  std::string user, password;
};
Parsed<UserPass> parse_userpass(std::span<const uint8_t> in);
// RFC 1929 §2 response: VER=1, STATUS (0 success).
std::array<uint8_t, 2> userpass_reply(bool ok);

// ---- RFC 1928 §4 request ----

struct Request {
  Command command = Command::Connect;
  Address dst;
};
// Bad with CommandNotSupported for an unknown CMD, AddressTypeNotSupported for an unknown ATYP,
// GeneralFailure for a wrong version, a non-zero RSV is accepted (RFC 1928 says "reserved"), an
// empty domain is Bad with HostUnreachable.
Parsed<Request> parse_request(std::span<const uint8_t> in);

// ---- replies ----

// Room for the longest reply: VER REP RSV ATYP + 16 + 2.
inline constexpr size_t kMaxReply = 22;

// RFC 1928 §6 reply with BND.ADDR/BND.PORT; a Domain address is written as 0.0.0.0. Returns bytes
// written to `out`.
size_t encode_reply(Reply rep, const Address& bound, std::span<uint8_t, kMaxReply> out);

// SOCKS4 reply: VN=0, CD 90 granted / 91 rejected, DSTPORT, DSTIP (8 bytes).
std::array<uint8_t, 8> socks4_reply(bool granted, uint16_t port = 0, std::array<uint8_t, 4> ip = {});

// ---- RFC 1928 §7 UDP request header ----

struct UdpHeader {
  uint8_t frag = 0;
  Address dst;
  size_t length = 0;  // header bytes before DATA
};
// Done or Bad (a datagram is complete or it is not: NeedMore never happens).
Parsed<UdpHeader> parse_udp_header(std::span<const uint8_t> datagram);
// Writes RSV RSV FRAG=0 ATYP ADDR PORT for an Ipv4/Ipv6 `from` (the sender of a reply); returns
// the length (10 or 22).
size_t encode_udp_header(const Address& from, std::span<uint8_t, kMaxReply> out);

}  // namespace sixfour::socks
