// One Asio io_context on a thread of its own, for the small servers beside the data plane (the
// control socket, --metrics): start() spawns the server's accept loop and the thread, stop() (or
// the destructor) ends the loop and joins. Declare it before the sockets that use its context, so
// that they are destroyed first.
#pragma once
#include <asio.hpp>
#include <thread>
#include <utility>

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

}  // namespace sixfour::io
