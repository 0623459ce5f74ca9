#include "io/socks/relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <cerrno>
#include <vector>

namespace sixfour::io::socks_proxy {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr size_t kSpliceChunk = 1 << 20;
constexpr uint64_t kGrowAfter = 4 << 20;

}  // namespace

void Relay::kill() {
  broken = true;
  std::error_code ec;
  a.shutdown(tcp::socket::shutdown_both, ec);
  b.shutdown(tcp::socket::shutdown_both, ec);
}

awaitable<void> Relay::pump(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total) {
  int p[2];
  if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0) {
    const bool ok = co_await pump_splice(from, to, count, total, p);
    ::close(p[0]);
    ::close(p[1]);
    if (ok) co_return;
  }
  inc(ctr.splice_fallback);
  co_await pump_copy(from, to, count, total);
}

// Returns false if splice is not supported for these sockets (then nothing was moved).
awaitable<bool> Relay::pump_splice(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total,
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

awaitable<void> Relay::pump_copy(tcp::socket& from, tcp::socket& to, uint64_t& count, std::atomic<uint64_t>& total) {
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
awaitable<void> Relay::watchdog(std::chrono::seconds idle, bool& done) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (;;) {
    t.expires_at(last + idle);
    std::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    if (done || ec == asio::error::operation_aborted) co_return;  // the relay ended
    if (Clock::now() - last >= idle) {
      inc(ctr.idle_closed);
      kill();
      co_return;
    }
  }
}

awaitable<void> Relay::run(std::chrono::seconds idle) {
  a.native_non_blocking(true);
  b.native_non_blocking(true);
  bool done = false;
  co_await ((pump(a, b, up, ctr.bytes_up) && pump(b, a, down, ctr.bytes_down)) || watchdog(idle, done));
  done = true;
}

}  // namespace sixfour::io::socks_proxy
