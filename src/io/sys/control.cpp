#include "io/sys/control.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/sys/fd.hpp"
#include "io/sys/server_thread.hpp"

namespace sixfour::io {

using asio::local::stream_protocol;

namespace {

constexpr size_t kMaxCommand = 256;
constexpr auto kClientTimeout = std::chrono::seconds(5);

// Connects a blocking unix stream socket to `path`; -1 with errno on failure.
Fd connect_unix(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    return Fd{};
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) return fd;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return Fd{};
  return fd;
}

}  // namespace

struct ControlServer::Impl {
  ServerThread loop;
  asio::io_context& ctx = loop.ctx;
  stream_protocol::acceptor acceptor{ctx};
  Handler handler;
  std::string path;
  ino_t inode = 0;

  asio::awaitable<void> serve(stream_protocol::socket sock) {
    asio::steady_timer deadline(ctx);
    close_when_late(deadline, sock, kClientTimeout);
    std::string line;
    std::error_code ec;
    size_t n = co_await asio::async_read_until(sock, asio::dynamic_buffer(line, kMaxCommand), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string_view cmd(line.data(), n - 1);
    if (!cmd.empty() && cmd.back() == '\r') cmd.remove_suffix(1);
    std::string reply = handler(cmd);
    co_await asio::async_write(sock, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    sock.shutdown(stream_protocol::socket::shutdown_both, ec);
  }

  asio::awaitable<void> accept_loop() {
    return accept_each(acceptor, "control socket", [this](stream_protocol::socket sock) {
      asio::co_spawn(ctx, serve(std::move(sock)), asio::detached);
    });
  }
};

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ControlServer>> ControlServer::start(const std::string& path, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->path = path;

  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
      return Error{fmt::format("control socket {}: cannot create {}: {}", path, dir, std::strerror(errno))};
  }

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error{fmt::format("control socket {}: exists and is not a socket", path)};
    if (connect_unix(path)) return Error{fmt::format("control socket {}: another daemon is listening on it", path)};
    ::unlink(path.c_str());  // stale: its daemon is gone
  }

  std::error_code ec;
  impl->acceptor.open(stream_protocol(), ec);
  if (!ec) {
    // Only root (the daemon's user) may read the counters: create the socket file as 0600.
    mode_t old = ::umask(0177);
    impl->acceptor.bind(stream_protocol::endpoint(path), ec);
    ::umask(old);
  }
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{fmt::format("control socket {}: {}", path, ec.message())};
  ::chmod(path.c_str(), 0600);
  if (::lstat(path.c_str(), &st) == 0) impl->inode = st.st_ino;

  impl->loop.start(impl->accept_loop());
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::~ControlServer() {
  if (!impl_) return;
  impl_->loop.stop();
  std::error_code ec;
  impl_->acceptor.close(ec);
  // Remove the file only if it is still ours (a second daemon may have replaced it).
  struct stat st {};
  if (::lstat(impl_->path.c_str(), &st) == 0 && st.st_ino == impl_->inode) ::unlink(impl_->path.c_str());
}

Result<std::string> control_request(const std::string& path, std::string_view command) {
  Fd fd = connect_unix(path);
  if (!fd) {
    int err = errno;
    std::string hint;
    if (err == ENOENT || err == ECONNREFUSED)
      hint = " (is the daemon running?)";
    else if (err == EACCES)
      hint = " (run as root)";
    return Error{fmt::format("cannot connect to {}: {}{}", path, std::strerror(err), hint)};
  }
  timeval tv{};
  tv.tv_sec = 5;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req = std::string(command) + "\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    return Error{fmt::format("{}: send: {}", path, std::strerror(errno))};
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("{}: receive: {}", path, std::strerror(errno))};
    }
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

int control_command(const std::string& who, const std::string& path, std::string_view command, bool json,
                    const ReplyFormatter& format) {
  auto fail = [&who](const std::string& msg) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), msg.c_str());
    return 1;
  };
  auto reply = control_request(path, command);
  if (!reply) return fail(reply.error());
  auto doc = parse_control_reply(*reply);
  if (!doc) return fail(doc.error());
  if (json) {
    std::fputs(reply->c_str(), stdout);
    return 0;
  }
  std::fputs(format(*doc).c_str(), stdout);
  return 0;
}

}  // namespace sixfour::io
