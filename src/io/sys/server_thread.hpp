// One Asio io_context on a thread of its own, for the small servers beside the data plane (the
// control socket, --metrics): start() spawns the server's accept loop and the thread, stop() (or
// the destructor) ends the loop and joins. Declare it before the sockets that use its context, so
// that they are destroyed first.
#pragma once
#include <asio.hpp>
#include <chrono>
#include <string_view>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

namespace sixfour::io {

class ServerThread {
 public:
  asio::io_context ctx{1};

  ServerThread() = default;
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread() { stop(); }

  template <typename Loop>
  void start(Loop&& loop) {
    asio::co_spawn(ctx, std::forward<Loop>(loop), asio::detached);
    thread_ = std::thread([this] { ctx.run(); });
  }
  void stop() {
    ctx.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

// Accepts connections until the acceptor closes, handing each to `take(socket)` (which spawns what
// serves it); a failed accept is logged as "WHAT: accept: ..." and the loop goes on.
template <typename Acceptor, typename Take>
asio::awaitable<void> accept_each(Acceptor& acceptor, std::string_view what, Take take) {
  for (;;) {
    std::error_code ec;
    auto sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      spdlog::warn("{}: accept: {}", what, ec.message());
      continue;
    }
    take(std::move(sock));
  }
}

// A client that does not finish its request in `timeout` must not hold the connection: `deadline`
// closes `sock` then (cancel the timer once answered).
template <typename Socket>
void close_when_late(asio::steady_timer& deadline, Socket& sock, std::chrono::steady_clock::duration timeout) {
  deadline.expires_after(timeout);
  deadline.async_wait([&sock](std::error_code ec) {
    if (!ec) {
      std::error_code ignored;
      sock.close(ignored);
    }
  });
}

}  // namespace sixfour::io
