#include "io/socks/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "io/socks/connect.hpp"
#include "io/socks/relay.hpp"
#include "io/socks/server.hpp"
#include "io/socks/udp_associate.hpp"
#include "socks/policy.hpp"
#include "socks/protocol.hpp"

namespace sixfour::io::socks_proxy {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using socks::Address;
using socks::Reply;

namespace {

constexpr size_t kHandshakeBuf = 1024;  // greeting + auth + request are at most ~780 bytes

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
    // --max-handshakes-per-client: a newer handshake of this client may close this one while it
    // is in progress (on this session's thread).
    hs_ = std::make_unique<HandshakeSlot>(sh_, peer_.ip);
    hs_->admit([weak = std::weak_ptr<Session>(self), ex = client_.get_executor()] {
      asio::post(ex, [weak] {
        auto s = weak.lock();
        if (!s || s->handshake_done_) return;
        std::error_code ignored;
        s->client_.close(ignored);
      });
    });
    deadline_.async_wait([self](std::error_code e) {
      if (!e && !self->handshake_done_) {
        inc(self->sh_.ctr.handshake_timeout);
        std::error_code ignored;
        self->client_.close(ignored);
      }
    });
    co_await handshake();
    hs_.reset();
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
  std::unique_ptr<HandshakeSlot> hs_;
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
    inc(sh_.ctr.replies[static_cast<size_t>(r)]);
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

  // The success reply that ends the handshake: from here on the handshake timeout is off.
  awaitable<void> succeeded(const Address& bound) {
    co_await reply(Reply::Succeeded, bound);
    handshake_done_ = true;
    hs_.reset();  // a relay now: never closed for a newer handshake
    deadline_.cancel();
  }

  awaitable<void> handshake() {
    auto g = co_await parse(socks::parse_greeting);
    if (g.status == socks::Step::Bad) {
      inc(sh_.ctr.bad_handshake);
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
      inc(sh_.ctr.socks4);
      v4_ = true;
      // SOCKS4 has no authentication of its own: with --users it is refused.
      if (sh_.users.required()) {
        inc(sh_.ctr.auth_failed);
        co_await reply(Reply::NotAllowed, kNone);
        co_return;
      }
      req.command = g.value.socks4.command == 1 ? socks::Command::Connect : socks::Command::Bind;
      req.dst = g.value.socks4.dst;
    } else {
      inc(sh_.ctr.socks5);
      const uint8_t m = socks::choose_method(g.value.methods, sh_.users.required());
      const uint8_t sel[2] = {5, m};
      co_await send(sel, 2);
      if (m == socks::kMethodNoAcceptable) {
        if (sh_.users.required()) inc(sh_.ctr.auth_failed);
        co_return;
      }
      if (m == socks::kMethodUserPass && !co_await authenticate()) co_return;
      auto r = co_await parse(socks::parse_request);
      if (r.status == socks::Step::Bad) {
        inc(sh_.ctr.bad_handshake);
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
  // A malformed request (wrong version, empty username or password) gets a failure status too.
  awaitable<bool> authenticate() {
    auto u = co_await parse(socks::parse_userpass);
    if (u.status == socks::Step::Bad) {
      inc(sh_.ctr.bad_handshake);
      auto r = socks::userpass_reply(false);
      co_await send(r.data(), r.size());
      co_return false;
    }
    consume(u.consumed);
    const auto users = sh_.users.get();
    auto it = users->find(u.value.user);
    // Unknown users are checked against a fixed hash too, so the reply time does not say whether
    // the user exists.
    const std::string hash = it != users->end() ? it->second : users->begin()->second;
    auto ex = co_await asio::this_coro::executor;
    co_await asio::post(sh_.crypt_pool, use_awaitable);
    bool ok = socks_check_password(u.value.password, hash) && it != users->end();
    co_await asio::post(ex, use_awaitable);
    inc(ok ? sh_.ctr.auth_ok : sh_.ctr.auth_failed);
    auto r = socks::userpass_reply(ok);
    co_await send(r.data(), r.size());
    co_return ok;
  }

  Address local_of(const tcp::socket& s) {
    std::error_code ec;
    auto ep = s.local_endpoint(ec);
    return ec ? Address{} : to_address(ep);
  }

  awaitable<void> do_connect(const Address& dst) {
    inc(sh_.ctr.connect);
    Reply err = Reply::GeneralFailure;
    auto addrs = co_await candidates(sh_, dst, err);
    if (addrs.empty()) {
      co_await reply(err, kNone);
      co_return;
    }
    auto target = co_await happy_connect(sh_, addrs, err);
    if (!target) {
      co_await reply(err, kNone);
      co_return;
    }
    // RFC 1928 §6: BND.ADDR/BND.PORT is the address the server assigned to connect to the target.
    const Address bound = local_of(*target);
    co_await succeeded(bound);
    co_await relay(*target);
  }

  awaitable<void> relay(tcp::socket& target) {
    // Bytes the client pipelined after its request belong to the target.
    if (have_ > 0) {
      std::error_code ec;
      co_await asio::async_write(target, asio::buffer(buf_.data(), have_), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      up_ += have_;
      inc(sh_.ctr.bytes_up, have_);
      have_ = 0;
    }
    Relay r{client_, target, sh_.ctr};
    co_await r.run(sh_.cfg.idle_timeout);
    up_ += r.up;
    down_ += r.down;
  }

  // RFC 1928 §4 BIND: listen on the address this host uses towards DST.ADDR, first reply with
  // that address, second reply with the peer that connected, then relay. Only a peer with the
  // IP address of DST.ADDR is accepted when DST.ADDR is an IP address.
  awaitable<void> do_bind(const Address& dst) {
    inc(sh_.ctr.bind);
    Reply err = Reply::GeneralFailure;
    auto addrs = co_await candidates(sh_, dst, err);
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
    co_await succeeded(listening);
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
  // reached this server at (the rest is UdpAssociation's).
  awaitable<void> do_udp(const Address& claimed) {
    inc(sh_.ctr.udp_associate);
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
    const Address relay_addr = to_address(front.local_endpoint(ec));
    co_await succeeded(relay_addr);
    UdpAssociation assoc(sh_, client_, std::move(front), claimed.port);
    co_await assoc.run();
  }
};

}  // namespace

void start_session(Shared& sh, asio::io_context& ctx, tcp::socket s, std::function<void()> on_end) {
  auto sess = std::make_shared<Session>(sh, std::move(s));
  asio::co_spawn(ctx, sess->run(), [sess, on_end = std::move(on_end)](std::exception_ptr) { on_end(); });
}

}  // namespace sixfour::io::socks_proxy
