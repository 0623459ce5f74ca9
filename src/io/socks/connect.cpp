#include "io/socks/connect.hpp"

#include <algorithm>
#include <memory>

#include "socks/policy.hpp"

namespace sixfour::io::socks_proxy {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using socks::Address;
using socks::Reply;

namespace {

// RFC 8305 §5: "Connection Attempt Delay" recommended default.
constexpr auto kAttemptDelay = std::chrono::milliseconds(250);
// Give up on a target after this long (all attempts together); answered "TTL expired".
constexpr auto kConnectTimeout = std::chrono::seconds(10);

}  // namespace

// The addresses to try for `dst`, in Happy Eyeballs order (RFC 8305 §4), private ones removed
// with --deny-private. `err` says why the list is empty.
awaitable<std::vector<Address>> candidates(const Shared& sh, const Address& dst, Reply& err) {
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
  auto order = socks::order_attempts(resolved, sh.nat64);
  if (sh.cfg.deny_private) {
    std::erase_if(order, [&](const Address& a) { return socks::is_private_target(a, sh.nat64); });
    if (order.empty()) err = Reply::NotAllowed;
  }
  co_return order;
}

// Happy Eyeballs v2 (RFC 8305 §5): start the attempts one after another, 250 ms apart (at once
// when the previous one failed), keep them all running, take the first that connects and close
// the others.
awaitable<std::optional<tcp::socket>> happy_connect(Shared& sh, const std::vector<Address>& addrs, Reply& err) {
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
      if (sh.nat64 && a.kind == Address::Kind::Ipv6 && sh.nat64->contains(Ipv6Addr{a.ip})) inc(sh.ctr.nat64_attempts);
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

}  // namespace sixfour::io::socks_proxy
