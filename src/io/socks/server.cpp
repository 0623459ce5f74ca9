#include "io/socks/server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "addr/rfc6052.hpp"
#include "io/sys/control.hpp"
#include "io/dataplane/stats.hpp"
#include "socks/policy.hpp"
#include "socks/protocol.hpp"

namespace sixfour::io {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;
using socks::Address;
using socks::Reply;
using Clock = std::chrono::steady_clock;

namespace {

// RFC 8305 §5: "Connection Attempt Delay" recommended default.
constexpr auto kAttemptDelay = std::chrono::milliseconds(250);
// Give up on a target after this long (all attempts together); answered "TTL expired".
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr size_t kHandshakeBuf = 1024;  // greeting + auth + request are at most ~780 bytes
constexpr size_t kSpliceChunk = 1 << 20;
constexpr uint64_t kGrowAfter = 4 << 20;

// ---- counters (relaxed atomics: statistics need no ordering) ----

struct Counters {
  std::atomic<uint64_t> accepted{0}, active{0}, refused_allow{0}, refused_limit{0}, refused_fd{0}, bad_handshake{0},
      handshake_timeout{0}, auth_ok{0}, auth_failed{0}, socks4{0}, socks5{0}, connect{0}, bind{0}, udp_associate{0},
      udp_in{0}, udp_out{0}, udp_dropped{0}, bytes_up{0}, bytes_down{0}, idle_closed{0}, nat64_attempts{0},
      splice_fallback{0};
  std::array<std::atomic<uint64_t>, 9> replies{};  // by RFC 1928 §6 code
};
Counters g_ctr;

void inc(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

std::string stats_json(Clock::time_point start) {
  auto v = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  std::string out = fmt::format(
      "{{\"uptime_seconds\":{},\"clients\":{{\"accepted\":{},\"active\":{},\"refused_allow\":{},"
      "\"refused_limit\":{},\"refused_fd\":{},\"bad_handshake\":{},\"handshake_timeout\":{},"
      "\"socks4\":{},\"socks5\":{},\"idle_closed\":{}}},\"auth\":{{\"ok\":{},\"failed\":{}}},"
      "\"commands\":{{\"connect\":{},\"bind\":{},\"udp_associate\":{}}},"
      "\"bytes\":{{\"up\":{},\"down\":{}}},\"udp\":{{\"in\":{},\"out\":{},\"dropped\":{}}},"
      "\"nat64_attempts\":{},\"splice_fallback\":{},\"replies\":{{",
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count(), v(g_ctr.accepted),
      v(g_ctr.active), v(g_ctr.refused_allow), v(g_ctr.refused_limit), v(g_ctr.refused_fd), v(g_ctr.bad_handshake),
      v(g_ctr.handshake_timeout), v(g_ctr.socks4), v(g_ctr.socks5), v(g_ctr.idle_closed), v(g_ctr.auth_ok),
      v(g_ctr.auth_failed), v(g_ctr.connect), v(g_ctr.bind), v(g_ctr.udp_associate), v(g_ctr.bytes_up),
      v(g_ctr.bytes_down), v(g_ctr.udp_in), v(g_ctr.udp_out), v(g_ctr.udp_dropped), v(g_ctr.nat64_attempts),
      v(g_ctr.splice_fallback));
  static constexpr const char* kNames[] = {
      "succeeded",          "general_failure", "not_allowed",           "network_unreachable",       "host_unreachable",
      "connection_refused", "ttl_expired",     "command_not_supported", "address_type_not_supported"};
  for (size_t i = 0; i < g_ctr.replies.size(); ++i)
    out += fmt::format("{}\"{}\":{}", i ? "," : "", kNames[i], v(g_ctr.replies[i]));
  out += "}}\n";
  return out;
}

// ---- address conversions ----

Address to_address(const asio::ip::address& a, uint16_t port) {
  if (a.is_v4()) return Address::v4(a.to_v4().to_bytes(), port);
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return Address::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes(), port);
  return Address::v6(v6.to_bytes(), port);
}

template <typename Endpoint>
Address to_address(const Endpoint& ep) {
  return to_address(ep.address(), ep.port());
}

asio::ip::address to_ip(const Address& a) {
  if (a.kind == Address::Kind::Ipv4)
    return asio::ip::address_v4(asio::ip::address_v4::bytes_type{a.ip[0], a.ip[1], a.ip[2], a.ip[3]});
  return asio::ip::address_v6(a.ip);
}

// RFC 1928 §6 reply for a failed connect(2).
Reply reply_for(const std::error_code& ec) {
  switch (ec.value()) {
    case ECONNREFUSED:
      return Reply::ConnectionRefused;
    case ENETUNREACH:
    case ENETDOWN:
    case EAFNOSUPPORT:
    case EADDRNOTAVAIL:
      return Reply::NetUnreachable;
    case EHOSTUNREACH:
    case EHOSTDOWN:
      return Reply::HostUnreachable;
    // No SYN-ACK in time: the nearest RFC 1928 code is "TTL expired" (as other proxies answer).
    case ETIMEDOUT:
      return Reply::TtlExpired;
    case EACCES:
    case EPERM:
      return Reply::NotAllowed;
    default:
      return Reply::GeneralFailure;
  }
}

// ---- shared daemon state ----

struct Shared {
  socks::Settings cfg;
  std::optional<Ipv6Prefix> nat64;
  std::map<std::string, std::string> users;  // user -> crypt hash
  asio::thread_pool crypt_pool{1};           // crypt_r is slow on purpose: off the event loops
  std::mutex per_client_mu;
  std::map<std::array<uint8_t, 16>, unsigned> per_client;
};

// Counts a client's concurrent connections for --max-per-client; released on destruction.
class ClientSlot {
 public:
  ClientSlot(Shared& s, const std::array<uint8_t, 16>& key) : s_(s), key_(key) {}
  bool acquire() {
    std::lock_guard lk(s_.per_client_mu);
    unsigned& n = s_.per_client[key_];
    if (s_.cfg.max_per_client && n >= s_.cfg.max_per_client) {
      if (n == 0) s_.per_client.erase(key_);
      return false;
    }
    ++n;
    held_ = true;
    return true;
  }
  ~ClientSlot() {
    if (!held_) return;
    std::lock_guard lk(s_.per_client_mu);
    auto it = s_.per_client.find(key_);
    if (it != s_.per_client.end() && --it->second == 0) s_.per_client.erase(it);
  }

 private:
  Shared& s_;
  std::array<uint8_t, 16> key_;
  bool held_ = false;
};

// ---- relay ----

// One direction: `from` -> `to` with splice(2) through a pipe (the bytes never enter user space),
// or recv/send when splice is unavailable. On EOF the write side of `to` is shut down (half-close
// propagated, RFC 1928 leaves TCP semantics to the proxy: a client that sends FIN still gets the
// rest of the answer).
struct Relay {
  tcp::socket& a;
  tcp::socket& b;
  Clock::time_point last{Clock::now()};
  uint64_t up = 0, down = 0;
  bool broken = false;

  void kill() {
    broken = true;
    std::error_code ec;
    a.shutdown(tcp::socket::shutdown_both, ec);
    b.shutdown(tcp::socket::shutdown_both, ec);
  }

  awaitable<void> pump(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total) {
    int p[2];
    if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0) {
      const bool ok = co_await pump_splice(from, to, count, total, p);
      ::close(p[0]);
      ::close(p[1]);
      if (ok) co_return;
    }
    inc(g_ctr.splice_fallback);
    co_await pump_copy(from, to, count, total);
  }

  // Returns false if splice is not supported for these sockets (then nothing was moved).
  awaitable<bool> pump_splice(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total,
                              int p[2]) {
    const int in = from.native_handle(), out = to.native_handle();
    size_t in_pipe = 0;
    bool first = true, grown = false;
    for (;;) {
      // A bulk transfer gets a 1 MiB pipe (fewer wakeups per byte); short connections keep the
      // default 64 KiB one, whose allocation costs nothing extra per connection.
      if (!grown && count >= kGrowAfter) {
        ::fcntl(p[1], F_SETPIPE_SZ, kSpliceChunk);  // best effort
        grown = true;
      }
      ssize_t n = ::splice(in, nullptr, p[1], nullptr, kSpliceChunk, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        in_pipe += static_cast<size_t>(n);
      } else if (n == 0) {
        if (in_pipe == 0) break;
      } else if (errno == EAGAIN) {
        if (in_pipe == 0) {
          std::error_code ec;
          co_await from.async_wait(tcp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
          if (ec || broken) co_return true;
          continue;
        }
      } else if (errno == EINTR) {
        continue;
      } else {
        if (first && (errno == EINVAL || errno == ENOSYS)) co_return false;
        if (!broken) kill();
        co_return true;
      }
      first = false;
      while (in_pipe > 0) {
        ssize_t m = ::splice(p[0], nullptr, out, nullptr, in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (m > 0) {
          in_pipe -= static_cast<size_t>(m);
          count += static_cast<uint64_t>(m);
          inc(total, static_cast<uint64_t>(m));
          last = Clock::now();
        } else if (m < 0 && errno == EAGAIN) {
          std::error_code ec;
          co_await to.async_wait(tcp::socket::wait_write, asio::redirect_error(use_awaitable, ec));
          if (ec || broken) co_return true;
        } else if (m < 0 && errno == EINTR) {
          continue;
        } else {
          if (!broken) kill();
          co_return true;
        }
      }
      if (n == 0) break;
    }
    std::error_code ec;
    to.shutdown(tcp::socket::shutdown_send, ec);
    co_return true;
  }

  awaitable<void> pump_copy(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total) {
    std::vector<uint8_t> buf(1 << 16);
    for (;;) {
      std::error_code ec;
      size_t n = co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::eof) break;
      if (ec || broken) {
        if (!broken) kill();
        co_return;
      }
      co_await asio::async_write(to, asio::buffer(buf.data(), n), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!broken) kill();
        co_return;
      }
      count += n;
      inc(total, n);
      last = Clock::now();
    }
    std::error_code ec;
    to.shutdown(tcp::socket::shutdown_send, ec);
  }

  // Closes both sides when neither direction moved a byte for `idle`.
  awaitable<void> watchdog(std::chrono::seconds idle, bool& done) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (;;) {
      t.expires_at(last + idle);
      std::error_code ec;
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
      if (done || ec == asio::error::operation_aborted) co_return;  // the relay ended
      if (Clock::now() - last >= idle) {
        inc(g_ctr.idle_closed);
        kill();
        co_return;
      }
    }
  }

  awaitable<void> run(std::chrono::seconds idle) {
    a.native_non_blocking(true);
    b.native_non_blocking(true);
    bool done = false;
    co_await ((pump(a, b, up, g_ctr.bytes_up) && pump(b, a, down, g_ctr.bytes_down)) || watchdog(idle, done));
    done = true;
  }
};

// ---- one client ----

// GCC 12 mishandles non-trivial temporaries inside co_await expressions (they can be destroyed
// twice), so the replies without an address use this named constant instead of Address{}.
const Address kNone{};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Shared& sh, tcp::socket s) : sh_(sh), client_(std::move(s)), deadline_(client_.get_executor()) {}

  awaitable<void> run() {
    auto self = shared_from_this();
    std::error_code ec;
    const auto peer = client_.remote_endpoint(ec);
    if (ec) co_return;
    peer_ = to_address(peer);
    started_ = Clock::now();
    // RFC 1928 does not bound the handshake; an idle client must not hold a slot forever.
    deadline_.expires_after(sh_.cfg.handshake_timeout);
    deadline_.async_wait([self](std::error_code e) {
      if (!e && !self->handshake_done_) {
        inc(g_ctr.handshake_timeout);
        std::error_code ignored;
        self->client_.close(ignored);
      }
    });
    co_await handshake();
    deadline_.cancel();
    if (sh_.cfg.log_connections && !target_.empty())
      spdlog::info("client {} target {} reply \"{}\" up {} down {} duration {:.3f}s", peer_.str(), target_,
                   socks::reply_name(final_reply_), up_, down_,
                   std::chrono::duration<double>(Clock::now() - started_).count());
  }

 private:
  Shared& sh_;
  tcp::socket client_;
  asio::steady_timer deadline_;
  Address peer_;
  std::array<uint8_t, kHandshakeBuf> buf_{};
  size_t have_ = 0;
  bool handshake_done_ = false;
  bool v4_ = false;  // speaking SOCKS4
  std::string target_;
  Reply final_reply_ = Reply::GeneralFailure;
  uint64_t up_ = 0, down_ = 0;
  Clock::time_point started_;

  std::span<const uint8_t> data() const { return {buf_.data(), have_}; }
  void consume(size_t n) {
    std::memmove(buf_.data(), buf_.data() + n, have_ - n);
    have_ -= n;
  }

  // Reads more client bytes; false on EOF/error/full buffer.
  awaitable<bool> read_more() {
    if (have_ == buf_.size()) co_return false;
    std::error_code ec;
    size_t n = co_await client_.async_read_some(asio::buffer(buf_.data() + have_, buf_.size() - have_),
                                                asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    have_ += n;
    co_return true;
  }

  template <typename F>
  awaitable<decltype(std::declval<F>()(std::span<const uint8_t>{}))> parse(F f) {
    for (;;) {
      auto p = f(data());
      if (p.status != socks::Step::NeedMore) co_return p;
      if (!co_await read_more()) {
        p.status = socks::Step::Bad;
        p.why = "client closed or stalled mid-handshake";
        p.error = Reply::GeneralFailure;
        co_return p;
      }
    }
  }

  awaitable<void> send(const void* p, size_t n) {
    std::error_code ec;
    co_await asio::async_write(client_, asio::buffer(p, n), asio::redirect_error(use_awaitable, ec));
  }

  awaitable<void> reply(Reply r, const Address& bound) {
    final_reply_ = r;
    inc(g_ctr.replies[static_cast<size_t>(r)]);
    if (v4_) {
      std::array<uint8_t, 4> ip{};
      if (bound.kind == Address::Kind::Ipv4) std::copy_n(bound.ip.begin(), 4, ip.begin());
      auto b = socks::socks4_reply(r == Reply::Succeeded, bound.port, ip);
      co_await send(b.data(), b.size());
    } else {
      std::array<uint8_t, socks::kMaxReply> b{};
      size_t n = socks::encode_reply(r, bound, b);
      co_await send(b.data(), n);
    }
  }

  awaitable<void> handshake() {
    auto g = co_await parse(socks::parse_greeting);
    if (g.status == socks::Step::Bad) {
      inc(g_ctr.bad_handshake);
      // A SOCKS4 client gets a SOCKS4 rejection; a SOCKS5 one "no acceptable methods" (RFC 1928
      // §3) unless it already sent a full greeting; anything else is just closed.
      if (!data().empty() && buf_[0] == 4) {
        v4_ = true;
        co_await reply(g.error, kNone);
      } else if (!data().empty() && buf_[0] == 5 && have_ >= 2) {
        const uint8_t b[2] = {5, socks::kMethodNoAcceptable};
        co_await send(b, 2);
      }
      co_return;
    }
    consume(g.consumed);
    socks::Request req;
    if (g.value.version == 4) {
      inc(g_ctr.socks4);
      v4_ = true;
      // SOCKS4 has no authentication of its own: with --users it is refused.
      if (!sh_.users.empty()) {
        inc(g_ctr.auth_failed);
        co_await reply(Reply::NotAllowed, kNone);
        co_return;
      }
      req.command = g.value.socks4.command == 1 ? socks::Command::Connect : socks::Command::Bind;
      req.dst = g.value.socks4.dst;
    } else {
      inc(g_ctr.socks5);
      const uint8_t m = socks::choose_method(g.value.methods, !sh_.users.empty());
      const uint8_t sel[2] = {5, m};
      co_await send(sel, 2);
      if (m == socks::kMethodNoAcceptable) {
        if (!sh_.users.empty()) inc(g_ctr.auth_failed);
        co_return;
      }
      if (m == socks::kMethodUserPass && !co_await authenticate()) co_return;
      auto r = co_await parse(socks::parse_request);
      if (r.status == socks::Step::Bad) {
        inc(g_ctr.bad_handshake);
        co_await reply(r.error, kNone);
        co_return;
      }
      consume(r.consumed);
      req = r.value;
    }
    target_ = req.dst.str();
    switch (req.command) {
      case socks::Command::Connect:
        co_await do_connect(req.dst);
        break;
      case socks::Command::Bind:
        co_await do_bind(req.dst);
        break;
      case socks::Command::UdpAssociate:
        co_await do_udp(req.dst);
        break;
    }
  }

  // RFC 1929 §2: STATUS 0 is success; any other value and the server MUST close the connection.
  awaitable<bool> authenticate() {
    auto u = co_await parse(socks::parse_userpass);
    if (u.status == socks::Step::Bad) {
      inc(g_ctr.bad_handshake);
      co_return false;
    }
    consume(u.consumed);
    auto it = sh_.users.find(u.value.user);
    // Unknown users are checked against a fixed hash too, so the reply time does not say whether
    // the user exists.
    const std::string hash = it != sh_.users.end() ? it->second : sh_.users.begin()->second;
    auto ex = co_await asio::this_coro::executor;
    co_await asio::post(sh_.crypt_pool, use_awaitable);
    bool ok = socks_check_password(u.value.password, hash) && it != sh_.users.end();
    co_await asio::post(ex, use_awaitable);
    inc(ok ? g_ctr.auth_ok : g_ctr.auth_failed);
    auto r = socks::userpass_reply(ok);
    co_await send(r.data(), r.size());
    co_return ok;
  }

  // The addresses to try for `dst`, in Happy Eyeballs order (RFC 8305 §4), private ones removed
  // with --deny-private. `err` says why the list is empty.
  awaitable<std::vector<Address>> candidates(const Address& dst, Reply& err) {
    std::vector<Address> resolved;
    if (dst.kind == Address::Kind::Domain) {
      // RFC 8305 §3: both AAAA and A; getaddrinfo(AF_UNSPEC) sends both queries at once and sorts
      // the answers by RFC 6724. No AI_ADDRCONFIG: on an IPv6-only host the A records are still
      // wanted (NAT64 synthesis below).
      tcp::resolver res(co_await asio::this_coro::executor);
      std::error_code ec;
      const std::string service = std::to_string(dst.port);  // no temporaries in co_await (kNone)
      auto results = co_await res.async_resolve(dst.domain, service, tcp::resolver::numeric_service,
                                                asio::redirect_error(use_awaitable, ec));
      if (ec) {
        err = Reply::HostUnreachable;
        co_return std::vector<Address>{};
      }
      for (const auto& e : results) resolved.push_back(to_address(e.endpoint()));
    } else {
      resolved.push_back(dst);
    }
    auto order = socks::order_attempts(resolved, sh_.nat64);
    if (sh_.cfg.deny_private) {
      std::erase_if(order, [&](const Address& a) { return socks::is_private_target(a, sh_.nat64); });
      if (order.empty()) err = Reply::NotAllowed;
    }
    co_return order;
  }

  // Happy Eyeballs v2 (RFC 8305 §5): start the attempts one after another, 250 ms apart (at once
  // when the previous one failed), keep them all running, take the first that connects and close
  // the others.
  awaitable<std::optional<tcp::socket>> happy_connect(const std::vector<Address>& addrs, Reply& err) {
    struct State {
      std::vector<std::unique_ptr<tcp::socket>> socks;
      std::optional<size_t> winner;
      size_t inflight = 0;
      bool kick = false;
      std::error_code last_error;
      asio::steady_timer wake;
      explicit State(const asio::any_io_executor& ex) : wake(ex) {}
    };
    auto ex = co_await asio::this_coro::executor;
    auto st = std::make_shared<State>(ex);
    size_t next = 0;
    const auto give_up = Clock::now() + kConnectTimeout;
    auto next_at = Clock::now();
    for (;;) {
      if (st->winner) break;
      const auto now = Clock::now();
      if (now >= give_up) {
        st->last_error = asio::error::timed_out;
        break;
      }
      if (next == addrs.size() && st->inflight == 0) break;
      if (next < addrs.size() && (st->inflight == 0 || st->kick || now >= next_at)) {
        st->kick = false;
        const size_t i = next++;
        const Address& a = addrs[i];
        if (sh_.nat64 && a.kind == Address::Kind::Ipv6 && sh_.nat64->contains(Ipv6Addr{a.ip}))
          inc(g_ctr.nat64_attempts);
        auto s = std::make_unique<tcp::socket>(ex);
        tcp::endpoint ep(to_ip(a), a.port);
        std::error_code ec;
        s->open(ep.protocol(), ec);
        if (ec) {
          st->last_error = ec;
          st->socks.push_back(nullptr);
          continue;
        }
        s->set_option(tcp::no_delay(true), ec);
        ++st->inflight;
        s->async_connect(ep, [st, i](std::error_code e) {
          --st->inflight;
          if (!e && !st->winner) {
            st->winner = i;
          } else if (e && e != asio::error::operation_aborted) {
            st->last_error = e;
            st->kick = true;  // the next attempt starts now, not after the delay
          }
          st->wake.cancel();
        });
        st->socks.push_back(std::move(s));
        next_at = now + kAttemptDelay;
        continue;
      }
      st->wake.expires_at(next < addrs.size() ? std::min(next_at, give_up) : give_up);
      std::error_code ec;
      co_await st->wake.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    std::optional<tcp::socket> out;
    for (size_t i = 0; i < st->socks.size(); ++i) {
      if (!st->socks[i]) continue;
      if (st->winner && *st->winner == i) {
        out.emplace(std::move(*st->socks[i]));
      } else {
        std::error_code ec;
        st->socks[i]->close(ec);  // cancels a pending attempt (RFC 8305 §5)
      }
    }
    if (!out) err = reply_for(st->last_error);
    co_return out;
  }

  Address local_of(const tcp::socket& s) {
    std::error_code ec;
    auto ep = s.local_endpoint(ec);
    return ec ? Address{} : to_address(ep);
  }

  awaitable<void> do_connect(const Address& dst) {
    inc(g_ctr.connect);
    Reply err = Reply::GeneralFailure;
    auto addrs = co_await candidates(dst, err);
    if (addrs.empty()) {
      co_await reply(err, kNone);
      co_return;
    }
    auto target = co_await happy_connect(addrs, err);
    if (!target) {
      co_await reply(err, kNone);
      co_return;
    }
    // RFC 1928 §6: BND.ADDR/BND.PORT is the address the server assigned to connect to the target.
    const Address bound = local_of(*target);
    co_await reply(Reply::Succeeded, bound);
    handshake_done_ = true;
    deadline_.cancel();
    co_await relay(*target);
  }

  awaitable<void> relay(tcp::socket& target) {
    // Bytes the client pipelined after its request belong to the target.
    if (have_ > 0) {
      std::error_code ec;
      co_await asio::async_write(target, asio::buffer(buf_.data(), have_), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      up_ += have_;
      inc(g_ctr.bytes_up, have_);
      have_ = 0;
    }
    Relay r{client_, target};
    co_await r.run(sh_.cfg.idle_timeout);
    up_ += r.up;
    down_ += r.down;
  }

  // RFC 1928 §4 BIND: listen on the address this host uses towards DST.ADDR, first reply with
  // that address, second reply with the peer that connected, then relay. Only a peer with the
  // IP address of DST.ADDR is accepted when DST.ADDR is an IP address.
  awaitable<void> do_bind(const Address& dst) {
    inc(g_ctr.bind);
    Reply err = Reply::GeneralFailure;
    auto addrs = co_await candidates(dst, err);
    if (addrs.empty()) {
      co_await reply(err, kNone);
      co_return;
    }
    auto ex = co_await asio::this_coro::executor;
    // A connected UDP socket asks the routing table for the source address towards the target.
    udp::socket probe(ex);
    std::error_code ec;
    const udp::endpoint pep(to_ip(addrs.front()), addrs.front().port ? addrs.front().port : 9);
    probe.open(pep.protocol(), ec);
    if (!ec) probe.connect(pep, ec);
    if (ec) {
      co_await reply(reply_for(ec), kNone);
      co_return;
    }
    const auto local_ip = probe.local_endpoint(ec).address();
    tcp::acceptor acc(ex);
    acc.open(local_ip.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (!ec) acc.bind(tcp::endpoint(local_ip, 0), ec);
    if (!ec) acc.listen(1, ec);
    if (ec) {
      co_await reply(Reply::GeneralFailure, kNone);
      co_return;
    }
    const Address listening = to_address(acc.local_endpoint(ec));
    co_await reply(Reply::Succeeded, listening);
    handshake_done_ = true;
    deadline_.cancel();
    // The accept waits at most the idle timeout; the client closing its connection ends it too.
    asio::steady_timer t(ex);
    t.expires_after(sh_.cfg.idle_timeout);
    t.async_wait([&acc](std::error_code e) {
      if (!e) {
        std::error_code ig;
        acc.close(ig);
      }
    });
    tcp::socket peer(ex);
    for (;;) {
      co_await acc.async_accept(peer, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      auto pa = to_address(peer.remote_endpoint(ec));
      if (ec) continue;
      if (dst.kind == Address::Kind::Domain || pa.ip == addrs.front().ip ||
          std::any_of(addrs.begin(), addrs.end(), [&](const Address& a) { return a.ip == pa.ip; }))
        break;
      peer.close(ec);  // not the host the client named
    }
    t.cancel();
    if (ec || !peer.is_open()) {
      co_await reply(Reply::TtlExpired, kNone);
      co_return;
    }
    const Address connected = to_address(peer.remote_endpoint(ec));
    co_await reply(Reply::Succeeded, connected);
    co_await relay(peer);
  }

  // RFC 1928 §7 UDP ASSOCIATE: one relay socket facing the client, bound on the address the client
  // reached this server at; datagrams go out from one socket per family. The association lives as
  // long as the TCP connection.
  awaitable<void> do_udp(const Address& claimed) {
    inc(g_ctr.udp_associate);
    auto ex = co_await asio::this_coro::executor;
    std::error_code ec;
    const auto local = client_.local_endpoint(ec);
    udp::socket front(ex);
    if (!ec) front.open(local.address().is_v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) front.bind(udp::endpoint(local.address(), 0), ec);
    if (ec) {
      co_await reply(Reply::GeneralFailure, kNone);
      co_return;
    }
    udp::socket out4(ex), out6(ex);
    out4.open(udp::v4(), ec);
    out6.open(udp::v6(), ec);
    const Address relay_addr = to_address(front.local_endpoint(ec));
    co_await reply(Reply::Succeeded, relay_addr);
    handshake_done_ = true;
    deadline_.cancel();
    // The client's UDP source: its TCP address, and the port it announced if it announced one
    // (RFC 1928 §7: the server MAY use DST.ADDR/DST.PORT to limit access).
    udp::endpoint client_ep(client_.remote_endpoint(ec).address(), claimed.port);
    bool client_port_known = claimed.port != 0;
    bool done = false;
    auto watch_tcp = [&]() -> awaitable<void> {
      // Anything on the control connection other than its end is ignored (RFC 1928 §7).
      std::array<uint8_t, 256> b;
      for (;;) {
        std::error_code e;
        co_await client_.async_read_some(asio::buffer(b), asio::redirect_error(use_awaitable, e));
        if (e) break;
      }
      done = true;
    };
    auto from_client = [&]() -> awaitable<void> {
      std::vector<uint8_t> b(65536);
      for (;;) {
        udp::endpoint src;
        std::error_code e;
        size_t n = co_await front.async_receive_from(asio::buffer(b), src, asio::redirect_error(use_awaitable, e));
        if (e) co_return;
        if (src.address() != client_ep.address() || (client_port_known && src.port() != client_ep.port())) {
          inc(g_ctr.udp_dropped);
          continue;
        }
        if (!client_port_known) {
          client_ep = src;
          client_port_known = true;
        }
        auto h = socks::parse_udp_header({b.data(), n});
        // RFC 1928 §7: an implementation that does not reassemble MUST drop FRAG != 0.
        if (h.status != socks::Step::Done || h.value.frag != 0) {
          inc(g_ctr.udp_dropped);
          continue;
        }
        Reply err = Reply::GeneralFailure;
        auto addrs = co_await candidates(h.value.dst, err);
        bool sent = false;
        for (const Address& a : addrs) {
          udp::socket& o = a.kind == Address::Kind::Ipv4 ? out4 : out6;
          if (!o.is_open()) continue;
          o.send_to(asio::buffer(b.data() + h.value.length, n - h.value.length), udp::endpoint(to_ip(a), a.port), 0, e);
          if (!e) {
            sent = true;
            break;
          }
        }
        inc(sent ? g_ctr.udp_in : g_ctr.udp_dropped);
      }
    };
    auto to_client = [&](udp::socket& o) -> awaitable<void> {
      if (!o.is_open()) {
        // Keep the || below waiting on the others.
        asio::steady_timer forever(ex, Clock::time_point::max());
        std::error_code e;
        co_await forever.async_wait(asio::redirect_error(use_awaitable, e));
        co_return;
      }
      std::vector<uint8_t> b(65536 + socks::kMaxReply);
      for (;;) {
        udp::endpoint src;
        std::error_code e;
        size_t n = co_await o.async_receive_from(asio::buffer(b.data() + socks::kMaxReply, 65536), src,
                                                 asio::redirect_error(use_awaitable, e));
        if (e) co_return;
        if (!client_port_known) continue;
        // Replies from a NAT64-synthesized address are shown as the IPv4 address the client used.
        Address from = to_address(src);
        if (sh_.nat64 && from.kind == Address::Kind::Ipv6 && sh_.nat64->contains(Ipv6Addr{from.ip}))
          from = Address::v4(rfc6052::extract(*sh_.nat64, Ipv6Addr{from.ip}).b, from.port);
        std::array<uint8_t, socks::kMaxReply> hdr{};
        const size_t hl = socks::encode_udp_header(from, hdr);
        std::memcpy(b.data() + socks::kMaxReply - hl, hdr.data(), hl);
        front.send_to(asio::buffer(b.data() + socks::kMaxReply - hl, n + hl), client_ep, 0, e);
        if (!e) inc(g_ctr.udp_out);
      }
    };
    co_await (watch_tcp() || from_client() || to_client(out4) || to_client(out6));
    (void)done;
  }
};

// ---- listeners ----

struct Worker {
  Shared& sh;
  asio::io_context ctx{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  int reserve_fd = -1;

  explicit Worker(Shared& s) : sh(s) { reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  ~Worker() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  awaitable<void> accept_loop(tcp::acceptor& acc) {
    for (;;) {
      std::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
      if (ec) {
        if (ec.value() == EMFILE || ec.value() == ENFILE) {
          // Out of descriptors: give back the reserve, take the waiting client and close it at
          // once (it is refused rather than left hanging), keep serving the others.
          if (reserve_fd >= 0) {
            ::close(reserve_fd);
            reserve_fd = -1;
          }
          int fd = ::accept4(acc.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
          if (fd >= 0) {
            ::close(fd);
            inc(g_ctr.refused_fd);
          }
          reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          asio::steady_timer t(ctx, std::chrono::milliseconds(10));
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        continue;
      }
      inc(g_ctr.accepted);
      const auto peer = s.remote_endpoint(ec);
      if (ec) continue;
      const Address pa = to_address(peer);
      if (!socks::client_allowed(sh.cfg.allow, pa)) {
        inc(g_ctr.refused_allow);
        continue;  // closed by the destructor
      }
      auto slot = std::make_shared<ClientSlot>(sh, pa.ip);
      if (!slot->acquire()) {
        inc(g_ctr.refused_limit);
        continue;
      }
      s.set_option(tcp::no_delay(true), ec);
      auto sess = std::make_shared<Session>(sh, std::move(s));
      inc(g_ctr.active);
      asio::co_spawn(ctx, sess->run(),
                     [sess, slot](std::exception_ptr) { g_ctr.active.fetch_sub(1, std::memory_order_relaxed); });
    }
  }
};

std::atomic<bool> g_stop{false};

}  // namespace

int run_socks(const socks::Settings& cfg, std::vector<socks::UserEntry> users) {
  ::signal(SIGPIPE, SIG_IGN);
  Shared sh;
  sh.cfg = cfg;
  for (auto& u : users) sh.users[u.user] = u.hash;
  if (cfg.nat64_mode == socks::Nat64Mode::Fixed) sh.nat64 = cfg.nat64;
  if (cfg.nat64_mode == socks::Nat64Mode::Auto) {
    // RFC 7050 §3: ask for the AAAA records of ipv4only.arpa; the resolver's DNS64 synthesizes
    // them from 192.0.0.170/171 with the NAT64 prefix.
    addrinfo hints{};
    hints.ai_family = AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::vector<Ipv6Addr> aaaa;
    if (::getaddrinfo("ipv4only.arpa", nullptr, &hints, &res) == 0) {
      for (addrinfo* r = res; r; r = r->ai_next) {
        Ipv6Addr a;
        std::memcpy(a.b.data(), &reinterpret_cast<sockaddr_in6*>(r->ai_addr)->sin6_addr, 16);
        aaaa.push_back(a);
      }
      ::freeaddrinfo(res);
    }
    sh.nat64 = socks::nat64_prefix_from_aaaa(aaaa);
    if (sh.nat64)
      spdlog::info("NAT64 prefix {} discovered (RFC 7050)", sh.nat64->str());
    else
      spdlog::warn("--nat64-prefix auto: ipv4only.arpa has no synthesized AAAA; NAT64 off");
  }

  unsigned nworkers = cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < nworkers; ++i) workers.push_back(std::make_unique<Worker>(sh));
  // Every worker gets its own listening socket per address (SO_REUSEPORT): no shared accept queue
  // lock, the kernel balances new clients.
  size_t bound = 0;
  for (const Address& l : cfg.listen) {
    tcp::endpoint ep(to_ip(l), l.port);
    bool this_ok = true;
    for (auto& w : workers) {
      auto acc = std::make_unique<tcp::acceptor>(w->ctx);
      std::error_code ec;
      acc->open(ep.protocol(), ec);
      if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
          ec.assign(errno, std::generic_category());
      }
      if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acc->bind(ep, ec);
      if (!ec) acc->listen(4096, ec);
      if (ec) {
        if (cfg.listen_defaulted && ec.value() == EADDRNOTAVAIL) {
          this_ok = false;
          break;  // a default loopback address this host does not have
        }
        std::fprintf(stderr, "sixfour socks: --listen %s: %s\n", l.str().c_str(), ec.message().c_str());
        return 1;
      }
      w->acceptors.push_back(std::move(acc));
    }
    if (this_ok) {
      ++bound;
      spdlog::info("listening on {}", l.str());
    }
  }
  if (bound == 0) {
    std::fprintf(stderr, "sixfour socks: no listen address could be bound\n");
    return 1;
  }

  const auto start = Clock::now();
  auto ctl = ControlServer::start(cfg.control, [start](std::string_view cmd) -> std::string {
    if (cmd == "stats") return stats_json(start);
    return "{\"error\":\"unknown command\"}\n";
  });
  if (!ctl) {
    std::fprintf(stderr, "sixfour socks: --control %s: %s\n", cfg.control.c_str(), ctl.error().c_str());
    return 1;
  }

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  std::vector<std::thread> threads;
  for (auto& w : workers) {
    for (auto& acc : w->acceptors) asio::co_spawn(w->ctx, w->accept_loop(*acc), asio::detached);
    threads.emplace_back([&w] { w->ctx.run(); });
  }
  spdlog::info("{} worker(s), users {}, control {}", nworkers, sh.users.size(), cfg.control);
  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("signal {}: stopping", sig);
  for (auto& w : workers) w->ctx.stop();
  for (auto& t : threads) t.join();
  g_stop = true;
  return 0;
}

int socks_stats(const std::string& control, bool json) {
  auto r = control_request(control, "stats");
  if (!r) {
    std::fprintf(stderr, "sixfour socks stats: %s: %s\n", control.c_str(), r.error().c_str());
    return 1;
  }
  if (json) {
    std::fputs(r->c_str(), stdout);
    return 0;
  }
  auto flat = flatten_json(*r);
  if (!flat) {
    std::fprintf(stderr, "sixfour socks stats: bad reply: %s\n", flat.error().c_str());
    return 1;
  }
  for (const auto& [k, v] : *flat) std::printf("%-40s %s\n", k.c_str(), v.c_str());
  return 0;
}

}  // namespace sixfour::io
