// The SOCKS handshake parsers (src/socks/protocol.hpp: SOCKS4, SOCKS4a, SOCKS5 of RFC 1928 with
// RFC 1929 username/password) driven as `sixfour socks` drives them (src/io/socks/session.cpp): a
// 1024-byte buffer that each read appends to, the greeting, then for SOCKS5 the method choice, the
// username/password when chosen and the request, each message consumed when Done.
//
// Input: a settings byte (bit 0: users are configured, so SOCKS5 must authenticate; bits 1-3: how
// many of the next bytes give read sizes), those read sizes (each byte + 1 octets; after them the
// reads take what is left), then the client's bytes. Oracle: the handshake read in those pieces
// goes exactly as when every byte arrives in one read (same steps, results, values, errors); a
// message that is Done parses the same on its own bytes; a parsed address written back as a reply
// or a UDP header (RFC 1928 §6, §7) reads back as the same address.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "fuzz_target.hpp"
#include "socks/protocol.hpp"

using namespace sixfour;
using namespace sixfour::socks;

namespace {

constexpr size_t kBuffer = 1024;  // src/io/socks/session.cpp kHandshakeBuf

// Appends the pieces to `out` (one append each: GCC 12's -Wrestrict misfires on chains of +).
template <typename... T>
void put(std::string& out, const T&... pieces) {
  const auto one = [&](const auto& p) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(p)>>)
      out.append(std::to_string(p));
    else
      out.append(p);
    out.push_back(' ');
  };
  (one(pieces), ...);
}

std::string describe(const Address& a) {
  std::string s;
  put(s, static_cast<int>(a.kind), a.str(), a.domain.size());
  return s;
}
std::string describe(const Greeting& g) {
  std::string s;
  put(s, g.version, std::string(g.methods.begin(), g.methods.end()));
  if (g.version == 4) put(s, g.socks4.command, describe(g.socks4.dst), g.socks4.user_id);
  return s;
}
std::string describe(const UserPass& u) {
  std::string s;
  put(s, u.user, u.password);
  return s;
}
std::string describe(const Request& r) {
  std::string s;
  put(s, static_cast<int>(r.command), describe(r.dst));
  return s;
}

// A parsed address written as a SOCKS5 reply reads back as a request for the same address.
void check_reply_round_trip(const Request& r) {
  if (r.dst.kind == Address::Kind::Domain) return;  // written as 0.0.0.0 (no name in a reply)
  std::array<uint8_t, kMaxReply> b{};
  const size_t n = encode_reply(static_cast<Reply>(r.command), r.dst, b);
  auto back = parse_request(std::span<const uint8_t>(b.data(), n));
  SIXFOUR_FUZZ_CHECK(back.status == Step::Done && back.consumed == n);
  SIXFOUR_FUZZ_CHECK(back.value.command == r.command && back.value.dst == r.dst);
  const size_t u = encode_udp_header(r.dst, b);
  auto h = parse_udp_header(std::span<const uint8_t>(b.data(), u));
  SIXFOUR_FUZZ_CHECK(h.status == Step::Done && h.value.length == u && h.value.frag == 0 && h.value.dst == r.dst);
}

// One client connection's handshake as the server reads it; the transcript says what happened.
class Session {
 public:
  Session(std::span<const uint8_t> bytes, std::span<const uint8_t> reads) : bytes_(bytes), reads_(reads) {}

  std::string run(bool need_auth) {
    auto g = parse(parse_greeting);
    if (!record("greeting", g)) return log_;
    if (g.value.version == 4) return log_;  // the rest is for the target (or refused with users)
    const uint8_t m = choose_method(g.value.methods, need_auth);
    put(log_, "method", m, "\n");
    if (m == kMethodNoAcceptable) return log_;
    if (m == kMethodUserPass && !record("userpass", parse(parse_userpass))) return log_;
    auto r = parse(parse_request);
    if (record("request", r)) check_reply_round_trip(r.value);
    return log_;
  }

 private:
  std::span<const uint8_t> data() const { return {buf_.data(), have_}; }

  bool read_more() {
    if (have_ == kBuffer || next_ == bytes_.size()) return false;
    size_t n = bytes_.size() - next_;
    if (read_ < reads_.size()) n = std::min<size_t>(n, reads_[read_++] + 1u);
    n = std::min(n, kBuffer - have_);
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(next_), n,
                buf_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += n;
    next_ += n;
    return true;
  }

  template <typename F>
  auto parse(F f) -> decltype(f(std::span<const uint8_t>{})) {
    for (;;) {
      auto p = f(data());
      if (p.status != Step::NeedMore) return p;
      if (!read_more()) {
        p.status = Step::Bad;
        p.why = "client closed or stalled mid-handshake";
        return p;
      }
    }
  }

  // Logs the step; consumes it and returns true when it is Done.
  template <typename T>
  bool record(const char* step, const Parsed<T>& p) {
    put(log_, step, static_cast<int>(p.status));
    if (p.status != Step::Done) {
      put(log_, static_cast<int>(p.error), p.why, "\n");
      return false;
    }
    SIXFOUR_FUZZ_CHECK(p.consumed > 0 && p.consumed <= have_);
    put(log_, p.consumed, describe(p.value), "\n");
    std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(p.consumed), buf_.begin() + static_cast<std::ptrdiff_t>(have_),
              buf_.begin());
    have_ -= p.consumed;
    return true;
  }

  std::span<const uint8_t> bytes_, reads_;
  std::array<uint8_t, kBuffer> buf_{};
  size_t have_ = 0, next_ = 0, read_ = 0;
  std::string log_;
};

// A Done message parses the same from exactly its own bytes (nothing after it is looked at).
template <typename F>
void check_self_contained(F f, std::span<const uint8_t> in) {
  auto p = f(in);
  if (p.status != Step::Done) return;
  auto q = f(in.first(p.consumed));
  SIXFOUR_FUZZ_CHECK(q.status == Step::Done && q.consumed == p.consumed && describe(q.value) == describe(p.value));
}

}  // namespace

SIXFOUR_FUZZ_TARGET(socks) {
  if (input.empty()) return;
  const bool need_auth = input[0] & 1;
  const size_t nreads = std::min<size_t>((input[0] >> 1) & 7, input.size() - 1);
  const std::span<const uint8_t> reads = input.subspan(1, nreads);
  const std::span<const uint8_t> bytes = input.subspan(1 + nreads);

  const std::string whole = Session(bytes, {}).run(need_auth);
  const std::string split = Session(bytes, reads).run(need_auth);
  if (whole != split) std::fprintf(stderr, "whole:\n%s\nsplit:\n%s\n", whole.c_str(), split.c_str());
  SIXFOUR_FUZZ_CHECK(whole == split);

  check_self_contained(parse_greeting, bytes);
  check_self_contained(parse_userpass, bytes);
  check_self_contained(parse_request, bytes);
  auto u = parse_udp_header(bytes);
  SIXFOUR_FUZZ_CHECK(u.status != Step::NeedMore);
  if (u.status == Step::Done) {
    SIXFOUR_FUZZ_CHECK(u.value.length == u.consumed && u.consumed <= bytes.size());
    (void)u.value.dst.str();
  }
}
