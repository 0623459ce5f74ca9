#include "io/dns64/server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <cstring>
#include <asio/experimental/awaitable_operators.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "common/json_write.hpp"
#include "dns64/cache.hpp"
#include "dns64/message.hpp"
#include "dns64/rate_limit.hpp"
#include "dns64/synth.hpp"

namespace sixfour::io {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
namespace d = sixfour::dns64;

namespace {

// RFC 6147 leaves timing to the implementation; the bar is SERVFAIL within 2 s when every
// upstream is down. One attempt waits at most kAttempt; a client query (AAAA then A) gets
// kBudget in all, so the SERVFAIL goes out after ~1.5 s.
constexpr auto kAttempt = 500ms;
constexpr auto kBudget = 1500ms;
constexpr auto kTcpIdle = 10s;  // RFC 7766 §6.2.3: servers close idle connections
constexpr size_t kMaxTcpPerThread = 256;

// clang-format 14 does not settle on one layout for this list.
// clang-format off
#define SIXFOUR_DNS64_COUNTERS(X) \
  X(udp_queries) X(tcp_queries) X(cache_hits) X(synthesized) X(ptr_synthesized) X(ipv4only) \
  X(passed_through) X(refused) X(formerr) X(notimp) X(dropped) X(servfail) X(truncated) \
  X(upstream_queries) X(upstream_timeouts) X(upstream_bad_answers) X(upstream_tcp) X(send_errors) \
  X(rate_limited) X(rate_limit_slipped)
// clang-format on

struct alignas(64) Counters {
#define X(name) std::atomic<uint64_t> name{0};
  SIXFOUR_DNS64_COUNTERS(X)
#undef X
};

inline void bump(std::atomic<uint64_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

uint32_t now_seconds() {
  using namespace std::chrono;
  return static_cast<uint32_t>(duration_cast<seconds>(steady_clock::now().time_since_epoch()).count());
}

d::Endpoint to_endpoint(const asio::ip::address& a, uint16_t port) {
  d::Endpoint e;
  e.port = port;
  if (a.is_v6()) {
    e.v6 = true;
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), e.a6.b.begin());
  } else {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), e.a4.b.begin());
  }
  return e;
}

// The same from a recvmmsg(2) source address, without building an asio address.
d::Endpoint to_endpoint(const sockaddr_storage& ss) {
  d::Endpoint e;
  if (ss.ss_family == AF_INET6) {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    e.v6 = true;
    std::memcpy(e.a6.b.data(), &s6.sin6_addr, 16);
    e.port = ntohs(s6.sin6_port);
  } else if (ss.ss_family == AF_INET) {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(e.a4.b.data(), &s4.sin_addr, 4);
    e.port = ntohs(s4.sin_port);
  }
  return e;
}

asio::ip::address to_address(const d::Endpoint& e) {
  if (e.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(e.a6.b.begin(), e.a6.b.end(), b.begin());
    return asio::ip::address_v6(b);
  }
  asio::ip::address_v4::bytes_type b;
  std::copy(e.a4.b.begin(), e.a4.b.end(), b.begin());
  return asio::ip::address_v4(b);
}

}  // namespace

// What a reload (SIGHUP) may change while the server runs: who may ask, and whom to ask. Each
// thread has its own pointer, replaced on that thread, so reading it needs no lock; a lookup keeps
// the one it started with.
struct Policy {
  std::vector<IpPrefix> allow;
  std::vector<d::Endpoint> upstreams;
};

// One server thread: its io_context, sockets, counters and random source for upstream IDs.
struct Worker {
  Dns64Server::Impl* srv;
  std::shared_ptr<const Policy> policy;
  asio::io_context ctx{1};
  std::vector<std::unique_ptr<udp::socket>> udp_socks;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  Counters counters;
  // Lock-free copies of recently served answers (the UDP and TCP hot paths of this thread).
  d::HotCache hot;
  std::atomic<uint64_t> hot_hits{0};  // answered from `hot`, added to the cache's hit count
  std::mt19937 rng{std::random_device{}()};
  // Where answer() reads a cached answer: used only between two suspensions, so one per thread
  // does (not 64 KiB held by every query in flight).
  std::vector<uint8_t> cache_scratch = std::vector<uint8_t>(65535);
  size_t tcp_conns = 0;
  std::thread thread;

  awaitable<void> udp_loop(udp::socket& sock);
  awaitable<void> udp_slow(udp::socket& sock, udp::endpoint from, d::Query q);
  awaitable<void> tcp_accept(tcp::acceptor& acc);
  awaitable<void> tcp_conn(tcp::socket sock);
  awaitable<std::vector<uint8_t>> answer(const d::Query& q, size_t limit);
  awaitable<d::Message> resolve(const d::Query& q);
  awaitable<std::optional<d::Message>> lookup(const d::Name& qname, uint16_t qtype, bool cd, bool do_bit,
                                              std::chrono::steady_clock::time_point deadline);
  awaitable<std::optional<std::vector<uint8_t>>> ask_udp(const d::Endpoint& up, const std::vector<uint8_t>& query,
                                                         std::chrono::milliseconds wait);
  awaitable<std::optional<std::vector<uint8_t>>> ask_tcp(const d::Endpoint& up, const std::vector<uint8_t>& query,
                                                         std::chrono::milliseconds wait);
  // Cheap pre-checks shared by UDP and TCP: ACL and malformed queries. Returns the wire to send
  // back right away (an error, REFUSED, or a cache hit) in `out`, `true` if handled.
  bool fast_path(std::span<const uint8_t> in, const d::Endpoint& client, d::Query& q, std::span<uint8_t> out,
                 size_t& out_len, bool udp, bool& drop, uint32_t now);
};

struct Dns64Server::Impl {
  d::DaemonConfig cfg;
  d::Cache cache;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<size_t> preferred{0};  // index of the upstream that answered last (failover)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // Response-rate limiting (--rate-limit), one table for every thread: the kernel spreads one
  // client's queries over the threads' sockets by source port.
  std::mutex rrl_mu;
  d::ResponseRateLimit rrl;

  explicit Impl(const d::DaemonConfig& c)
      : cfg(c),
        cache(c.cache_bytes),
        rrl(d::RateLimitSettings{c.rate_limit, c.rate_limit_slip, c.rate_limit_ipv4_prefix, c.rate_limit_ipv6_prefix},
            std::random_device{}()) {}

  d::ResponseRateLimit::Verdict rate(const d::Endpoint& client) {
    if (rrl.off()) return d::ResponseRateLimit::Verdict::Answer;
    using namespace std::chrono;
    const auto now = static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
    std::lock_guard lock(rrl_mu);
    return rrl.check(client, now);
  }
};

bool Worker::fast_path(std::span<const uint8_t> in, const d::Endpoint& client, d::Query& q, std::span<uint8_t> out,
                       size_t& out_len, bool udp, bool& drop, uint32_t now) {
  drop = false;
  d::QueryStatus st = d::parse_query(in, q);
  auto put = [&](const std::vector<uint8_t>& w) {
    if (w.size() > out.size()) return;
    std::copy(w.begin(), w.end(), out.begin());
    out_len = w.size();
  };
  switch (st) {
    case d::QueryStatus::drop:
      bump(counters.dropped);
      drop = true;
      return true;
    case d::QueryStatus::formerr:
      bump(counters.formerr);
      put(d::render_error(q, st, d::kFormErr));
      return true;
    case d::QueryStatus::notimp:
      bump(counters.notimp);
      put(d::render_error(q, st, d::kNotImp));
      return true;
    case d::QueryStatus::badvers:
      bump(counters.formerr);
      put(d::render_error(q, st, 0));
      return true;
    case d::QueryStatus::ok:
      break;
  }
  // Response-rate limiting, of UDP only (a TCP client cannot spoof its address).
  if (udp) {
    const auto v = srv->rate(client);
    if (v == d::ResponseRateLimit::Verdict::Drop) {
      bump(counters.rate_limited);
      drop = true;
      return true;
    }
    if (v == d::ResponseRateLimit::Verdict::Slip) {
      bump(counters.rate_limit_slipped);
      put(d::render_error(q, st, 0));
      if (out_len >= 3) out[2] |= 0x02;  // TC: ask again over TCP
      return true;
    }
  }
  // Not an open resolver: clients outside --allow get REFUSED (RFC 5358 §4).
  if (!d::allowed(policy->allow, client)) {
    bump(counters.refused);
    put(d::render_error(q, st, d::kRefused));
    return true;
  }
  if (q.qclass != d::kClassIN) {
    bump(counters.refused);
    put(d::render_error(q, st, d::kRefused));
    return true;
  }
  d::CacheKey key = d::cache_key(q);
  bool front = false;
  size_t n = hot.lookup(key, q, now, srv->cache, out, front);
  if (n == 0) return false;
  if (front) bump(hot_hits);
  // The cached form was rendered for an EDNS client, so its last record is our own OPT
  // (render() always appends it last). A client without EDNS gets the answer without it
  // (RFC 6891 §7: no OPT in a response to a query without one).
  if (!q.edns) {
    if (n < 12 + 11 || out[n - 11] != 0 || out[n - 10] != 0 || out[n - 9] != d::kTypeOPT) return false;
    n -= 11;
    uint16_t ar = static_cast<uint16_t>(out[10] << 8 | out[11]);
    if (ar == 0) return false;
    --ar;
    out[10] = static_cast<uint8_t>(ar >> 8);
    out[11] = static_cast<uint8_t>(ar);
  }
  // Too large for this client: the slow path renders it again with TC=1.
  if (n > (udp ? d::udp_limit(q) : 65535)) return false;
  bump(counters.cache_hits);
  out_len = n;
  return true;
}

awaitable<void> Worker::udp_loop(udp::socket& sock) {
  // The hot path: wait for readability through Asio, then drain the socket in batches with
  // recvmmsg(2) and answer every cache hit of a batch with one sendmmsg(2). Misses leave the
  // batch as coroutines. Measured against one recvfrom/sendto per datagram (docs/dns64.md).
  constexpr size_t kBatch = 32;
  constexpr size_t kInSlot = 4096;  // larger queries are not DNS queries worth answering
  std::vector<uint8_t> in(kBatch * kInSlot), out(kBatch * 65535);
  std::array<mmsghdr, kBatch> rx{}, tx{};
  std::array<iovec, kBatch> rx_iov{}, tx_iov{};
  std::array<sockaddr_storage, kBatch> peers{};
  for (size_t i = 0; i < kBatch; ++i) {
    rx_iov[i] = {in.data() + i * kInSlot, kInSlot};
    rx[i].msg_hdr.msg_iov = &rx_iov[i];
    rx[i].msg_hdr.msg_iovlen = 1;
    rx[i].msg_hdr.msg_name = &peers[i];
  }
  const int fd = sock.native_handle();
  for (;;) {
    std::error_code ec;
    co_await sock.async_wait(udp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !sock.is_open()) co_return;
      continue;
    }
    for (;;) {
      for (size_t i = 0; i < kBatch; ++i) {
        rx[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        rx[i].msg_hdr.msg_flags = 0;
      }
      int got = ::recvmmsg(fd, rx.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (got <= 0) break;
      const uint32_t now = now_seconds();  // one clock read per batch
      unsigned nout = 0;
      size_t packed = 0;
      for (int i = 0; i < got; ++i) {
        bump(counters.udp_queries);
        if (rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
          bump(counters.dropped);
          continue;
        }
        d::Query q;
        size_t out_len = 0;
        bool drop = false;
        d::Endpoint client = to_endpoint(peers[i]);
        // Answers are packed one after the other (each may take up to 65535 octets, which the
        // buffer always has room for), so a batch touches a few pages, not one per answer.
        std::span<uint8_t> slot(out.data() + packed, 65535);
        if (fast_path({in.data() + i * kInSlot, rx[i].msg_len}, client, q, slot, out_len, true, drop, now)) {
          if (!drop && out_len > 0) {
            tx_iov[nout] = {slot.data(), out_len};
            packed += out_len;
            tx[nout].msg_hdr = {};
            tx[nout].msg_hdr.msg_iov = &tx_iov[nout];
            tx[nout].msg_hdr.msg_iovlen = 1;
            tx[nout].msg_hdr.msg_name = &peers[i];
            tx[nout].msg_hdr.msg_namelen = rx[i].msg_hdr.msg_namelen;
            ++nout;
          }
        } else {
          udp::endpoint from;
          std::memcpy(from.data(), &peers[i], std::min<size_t>(rx[i].msg_hdr.msg_namelen, sizeof(sockaddr_storage)));
          from.resize(rx[i].msg_hdr.msg_namelen);
          asio::co_spawn(ctx, udp_slow(sock, from, q), asio::detached);
        }
      }
      for (unsigned sent = 0; sent < nout;) {
        int r = ::sendmmsg(fd, tx.data() + sent, nout - sent, MSG_DONTWAIT);
        if (r <= 0) {
          counters.send_errors.fetch_add(nout - sent, std::memory_order_relaxed);
          break;
        }
        sent += static_cast<unsigned>(r);
      }
      // Keep draining until the socket is empty (recvmmsg returns EAGAIN): under load more
      // queries arrived while this batch was answered, and reading them now saves a trip
      // through epoll and the reactor.
    }
  }
}

awaitable<void> Worker::udp_slow(udp::socket& sock, udp::endpoint from, d::Query q) {
  std::vector<uint8_t> w = co_await answer(q, d::udp_limit(q));
  std::error_code ec;
  sock.send_to(asio::buffer(w), from, 0, ec);
  if (ec) bump(counters.send_errors);
}

// The answer for a query the cache could not serve as is: resolved (or re-rendered from the
// cache), stored in the cache in its EDNS form, then rendered for this client's limit.
awaitable<std::vector<uint8_t>> Worker::answer(const d::Query& q, size_t limit) {
  d::Query as_edns = q;
  as_edns.edns = true;
  d::CacheKey key = d::cache_key(q);
  size_t n = srv->cache.lookup(key, as_edns, now_seconds(), cache_scratch);
  d::Message m;
  if (n > 0) {
    bump(counters.cache_hits);
    auto parsed = d::parse_response({cache_scratch.data(), n}, q.qname.span(), q.qtype);
    if (parsed) {
      m = std::move(parsed).value();
    } else {
      m = co_await resolve(q);
    }
  } else {
    m = co_await resolve(q);
    if (m.rcode == d::kServFail) bump(counters.servfail);
    std::vector<uint8_t> full = d::render(as_edns, m, 65535);
    srv->cache.insert(key, full, now_seconds());
    if (q.edns && full.size() <= limit) co_return full;
  }
  std::vector<uint8_t> w = d::render(q, m, limit);
  if (w.size() >= 3 && (w[2] & 0x02)) bump(counters.truncated);
  co_return w;
}

awaitable<d::Message> Worker::resolve(const d::Query& q) {
  const d::Settings& s = srv->cfg.settings;
  d::Name qname = q.qname.name();
  auto deadline = std::chrono::steady_clock::now() + kBudget;
  d::Message fail;
  fail.rcode = d::kServFail;

  if ((q.qtype == d::kTypeAAAA || q.qtype == d::kTypeA) && d::is_ipv4only_arpa(qname)) {
    bump(counters.ipv4only);
    co_return d::ipv4only_answer(qname, q.qtype, s);
  }
  if (q.qtype == d::kTypePTR) {
    if (auto target = d::ptr_target(qname, s)) {
      auto up = co_await lookup(*target, d::kTypePTR, q.cd(), q.do_bit, deadline);
      if (!up) co_return fail;
      bump(counters.ptr_synthesized);
      co_return d::ptr_answer(qname, *target, *up);
    }
  }
  if (q.qtype != d::kTypeAAAA || !d::synthesis_allowed(q)) {
    auto up = co_await lookup(qname, q.qtype, q.cd(), q.do_bit, deadline);
    if (!up) co_return fail;
    bump(counters.passed_through);
    co_return std::move(*up);
  }
  // RFC 6147 §5.1.8 allows asking for A in parallel with AAAA: a cache miss then costs one
  // upstream round trip instead of two; the A answer is unused when a real AAAA exists.
  auto [up, a] = co_await (lookup(qname, d::kTypeAAAA, q.cd(), q.do_bit, deadline) &&
                           lookup(qname, d::kTypeA, q.cd(), q.do_bit, deadline));
  if (!up) co_return fail;
  d::Message aaaa = std::move(*up);
  if (d::classify_aaaa(aaaa, qname, s) == d::AaaaVerdict::answer) {
    bump(counters.passed_through);
    co_return aaaa;
  }
  // Without the A answer we cannot tell NODATA from "not synthesized yet": SERVFAIL, not cached.
  if (!a) co_return fail;
  if (auto syn = d::synthesize(aaaa, *a, qname, s, q.do_bit)) {
    bump(counters.synthesized);
    co_return std::move(*syn);
  }
  bump(counters.passed_through);
  co_return aaaa;
}

awaitable<std::optional<d::Message>> Worker::lookup(const d::Name& qname, uint16_t qtype, bool cd, bool do_bit,
                                                    std::chrono::steady_clock::time_point deadline) {
  const std::shared_ptr<const Policy> held = policy;  // a reload meanwhile does not pull it away
  const auto& ups = held->upstreams;
  size_t first = srv->preferred.load(std::memory_order_relaxed) % ups.size();
  // Every upstream once, then again (retry), while the budget lasts.
  for (size_t attempt = 0; attempt < 2 * ups.size() + 1; ++attempt) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    size_t idx = (first + attempt) % ups.size();
    const d::Endpoint& up = ups[idx];
    uint16_t id = static_cast<uint16_t>(rng());
    std::vector<uint8_t> query = d::build_query(id, qname, qtype, cd, do_bit);
    bump(counters.upstream_queries);
    auto wire = co_await ask_udp(up, query, std::min<std::chrono::milliseconds>(kAttempt, left));
    if (!wire) {
      bump(counters.upstream_timeouts);
      srv->preferred.store((idx + 1) % ups.size(), std::memory_order_relaxed);
      continue;
    }
    auto m = d::parse_response(*wire, qname, qtype);
    if (m && m->tc) {
      // RFC 7766 §5: a truncated answer is asked again over TCP.
      bump(counters.upstream_tcp);
      left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      wire = co_await ask_tcp(up, query, left);
      if (!wire) {
        bump(counters.upstream_timeouts);
        continue;
      }
      m = d::parse_response(*wire, qname, qtype);
    }
    if (!m || (wire->size() >= 2 && ((*wire)[0] << 8 | (*wire)[1]) != id)) {
      bump(counters.upstream_bad_answers);
      continue;
    }
    // A resolver that answers SERVFAIL or REFUSED may be broken or misconfigured; try the
    // next one, but keep its answer if none does better.
    if ((m->rcode == d::kServFail || m->rcode == d::kRefused) && attempt + 1 < ups.size()) continue;
    co_return std::move(m).value();
  }
  co_return std::nullopt;
}

awaitable<std::optional<std::vector<uint8_t>>> Worker::ask_udp(const d::Endpoint& up, const std::vector<uint8_t>& query,
                                                               std::chrono::milliseconds wait) {
  // A fresh socket per question: a random source port from the kernel besides the random ID
  // (RFC 5452 §4), and the connected socket only hears from the upstream's address.
  udp::socket sock(ctx);
  std::error_code ec;
  udp::endpoint to(to_address(up), up.port);
  sock.open(to.protocol(), ec);
  if (!ec) sock.connect(to, ec);
  if (!ec) sock.send(asio::buffer(query), 0, ec);
  if (ec) co_return std::nullopt;
  asio::steady_timer timer(ctx);
  timer.expires_after(wait);
  std::error_code timer_ec;  // separate: the losing operation completes with operation_aborted
  for (;;) {
    // Readable first, then the datagram's own size (FIONREAD): a question waiting for its answer
    // holds no buffer, so an upstream outage under load costs a socket per question, not 64 KiB.
    auto r = co_await (sock.async_wait(udp::socket::wait_read, asio::redirect_error(use_awaitable, ec)) ||
                       timer.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
    if (r.index() == 1 || ec) co_return std::nullopt;
    std::vector<uint8_t> buf(std::max<size_t>(sock.available(ec), 12));
    const size_t n = sock.receive(asio::buffer(buf), 0, ec);
    if (ec == asio::error::would_block) continue;
    // ECONNREFUSED (ICMP port unreachable): the upstream is not listening; do not wait.
    if (ec) co_return std::nullopt;
    if (n >= 12 && buf[0] == query[0] && buf[1] == query[1]) {
      buf.resize(n);
      co_return buf;
    }
    // Wrong ID: not ours (or spoofed); keep listening until the timer.
  }
}

awaitable<std::optional<std::vector<uint8_t>>> Worker::ask_tcp(const d::Endpoint& up, const std::vector<uint8_t>& query,
                                                               std::chrono::milliseconds wait) {
  tcp::socket sock(ctx);
  asio::steady_timer timer(ctx);
  timer.expires_after(wait);
  auto io = [&]() -> awaitable<std::optional<std::vector<uint8_t>>> {
    std::error_code ec;
    co_await sock.async_connect(tcp::endpoint(to_address(up), up.port), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    uint8_t len[2] = {static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
    std::array<asio::const_buffer, 2> bufs{asio::buffer(len), asio::buffer(query)};
    co_await asio::async_write(sock, bufs, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    co_await asio::async_read(sock, asio::buffer(len), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    std::vector<uint8_t> msg(size_t(len[0]) << 8 | len[1]);
    co_await asio::async_read(sock, asio::buffer(msg), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    co_return msg;
  };
  std::error_code ec;
  auto r = co_await (io() || timer.async_wait(asio::redirect_error(use_awaitable, ec)));
  if (r.index() == 1) co_return std::nullopt;
  co_return std::get<0>(r);
}

awaitable<void> Worker::tcp_accept(tcp::acceptor& acc) {
  for (;;) {
    std::error_code ec;
    tcp::socket sock = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
      continue;
    }
    if (tcp_conns >= kMaxTcpPerThread) {
      sock.close(ec);
      continue;
    }
    asio::co_spawn(ctx, tcp_conn(std::move(sock)), asio::detached);
  }
}

// One TCP connection (RFC 7766): queries are read as they come and answered as each finishes,
// possibly out of order (§6.2.1.1), so pipelined queries do not wait for each other.
awaitable<void> Worker::tcp_conn(tcp::socket sock) {
  ++tcp_conns;
  struct Conn {
    tcp::socket sock;
    std::deque<std::vector<uint8_t>> queue;
    bool writing = false;
    size_t pending = 0;
  };
  auto c = std::make_shared<Conn>(Conn{std::move(sock), {}, false, 0});
  std::error_code ec;
  tcp::endpoint peer = c->sock.remote_endpoint(ec);
  d::Endpoint client = to_endpoint(peer.address(), peer.port());

  auto writer = [](std::shared_ptr<Conn> c) -> awaitable<void> {
    c->writing = true;
    while (!c->queue.empty()) {
      std::vector<uint8_t> w = std::move(c->queue.front());
      c->queue.pop_front();
      std::error_code ec;
      co_await asio::async_write(c->sock, asio::buffer(w), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    c->writing = false;
  };
  auto send = [this, writer](std::shared_ptr<Conn> c, const uint8_t* p, size_t n) {
    std::vector<uint8_t> framed(n + 2);
    framed[0] = static_cast<uint8_t>(n >> 8);
    framed[1] = static_cast<uint8_t>(n);
    std::copy(p, p + n, framed.begin() + 2);
    c->queue.push_back(std::move(framed));
    if (!c->writing) asio::co_spawn(ctx, writer(c), asio::detached);
  };

  std::vector<uint8_t> in(65535), out(65535);
  asio::steady_timer idle(ctx);
  for (;;) {
    uint8_t len[2];
    idle.expires_after(kTcpIdle);
    std::error_code idle_ec;
    auto r = co_await (asio::async_read(c->sock, asio::buffer(len), asio::redirect_error(use_awaitable, ec)) ||
                       idle.async_wait(asio::redirect_error(use_awaitable, idle_ec)));
    if (r.index() == 1 || ec) break;
    size_t n = size_t(len[0]) << 8 | len[1];
    co_await asio::async_read(c->sock, asio::buffer(in.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    bump(counters.tcp_queries);
    d::Query q;
    size_t out_len = 0;
    bool drop = false;
    if (fast_path({in.data(), n}, client, q, out, out_len, false, drop, now_seconds())) {
      if (drop) break;  // not DNS: close the connection
      if (out_len) send(c, out.data(), out_len);
      continue;
    }
    ++c->pending;
    asio::co_spawn(
        ctx,
        [this, c, q, send]() -> awaitable<void> {
          std::vector<uint8_t> w = co_await answer(q, 65535);
          send(c, w.data(), w.size());
          --c->pending;
        },
        asio::detached);
  }
  // Let answers still being resolved go out before closing.
  while (c->pending > 0 || c->writing) {
    asio::steady_timer t(ctx);
    t.expires_after(20ms);
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  c->sock.close(ec);
  --tcp_conns;
}

Dns64Server::Dns64Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Dns64Server::~Dns64Server() {
  for (auto& w : impl_->workers) w->ctx.stop();
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
}

Result<std::unique_ptr<Dns64Server>> Dns64Server::start(const d::DaemonConfig& cfg) {
  auto impl = std::make_unique<Impl>(cfg);
  for (unsigned t = 0; t < cfg.threads; ++t) {
    auto w = std::make_unique<Worker>();
    w->srv = impl.get();
    w->policy = std::make_shared<const Policy>(Policy{cfg.allow, cfg.upstreams});
    for (const d::Endpoint& l : cfg.listen) {
      std::error_code ec;
      auto addr = to_address(l);
      udp::endpoint uep(addr, l.port);
      auto us = std::make_unique<udp::socket>(w->ctx);
      us->open(uep.protocol(), ec);
      if (!ec && l.v6) us->set_option(asio::ip::v6_only(true), ec);
      if (!ec) us->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(us->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
          ec = std::error_code(errno, std::system_category());
      }
      if (!ec) us->bind(uep, ec);
      if (ec) return Error{fmt::format("listen {} (UDP): {}", l.str(), ec.message())};
      w->udp_socks.push_back(std::move(us));

      tcp::endpoint tep(addr, l.port);
      auto acc = std::make_unique<tcp::acceptor>(w->ctx);
      acc->open(tep.protocol(), ec);
      if (!ec && l.v6) acc->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
          ec = std::error_code(errno, std::system_category());
      }
      if (!ec) acc->bind(tep, ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return Error{fmt::format("listen {} (TCP): {}", l.str(), ec.message())};
      w->acceptors.push_back(std::move(acc));
    }
    impl->workers.push_back(std::move(w));
  }
  for (auto& w : impl->workers) {
    Worker* wp = w.get();
    for (auto& s : wp->udp_socks) asio::co_spawn(wp->ctx, wp->udp_loop(*s), asio::detached);
    for (auto& a : wp->acceptors) asio::co_spawn(wp->ctx, wp->tcp_accept(*a), asio::detached);
    wp->thread = std::thread([wp] {
      try {
        wp->ctx.run();
      } catch (const std::exception& e) {
        spdlog::error("worker stopped: {}", e.what());
      }
    });
  }
  return std::unique_ptr<Dns64Server>(new Dns64Server(std::move(impl)));
}

std::string Dns64Server::reload(const dns64::DaemonConfig& cfg) {
  auto p = std::make_shared<const Policy>(Policy{cfg.allow, cfg.upstreams});
  for (auto& w : impl_->workers) asio::post(w->ctx, [wp = w.get(), p] { wp->policy = p; });
  impl_->preferred.store(0, std::memory_order_relaxed);
  std::vector<std::string> allow, ups;
  for (const IpPrefix& a : cfg.allow) allow.push_back(a.str());
  for (const d::Endpoint& u : cfg.upstreams) ups.push_back(u.str());
  return fmt::format("clients {}; upstream {}", fmt::join(allow, ", "), fmt::join(ups, ", "));
}

std::string Dns64Server::stats_json() const {
  auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - impl_->started).count();
  Json j = {{"uptime_seconds", up}, {"threads", impl_->workers.size()}, {"prefix", impl_->cfg.settings.prefix.str()}};
#define X(name)                                                                             \
  {                                                                                         \
    uint64_t sum = 0;                                                                       \
    for (auto& w : impl_->workers) sum += w->counters.name.load(std::memory_order_relaxed); \
    j[#name] = sum;                                                                         \
  }
  SIXFOUR_DNS64_COUNTERS(X)
#undef X
  auto cs = impl_->cache.stats();
  for (auto& w : impl_->workers) cs.hits += w->hot_hits.load(std::memory_order_relaxed);
  j["cache"] = {{"entries", cs.entries},
                {"bytes", cs.bytes},
                {"hits", cs.hits},
                {"misses", cs.misses},
                {"evictions", cs.evictions}};
  return json_text(j) + "\n";
}

}  // namespace sixfour::io
