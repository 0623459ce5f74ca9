#include "io/sys/metrics_server.hpp"

#include "io/sys/server_thread.hpp"

#include <asio.hpp>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sixfour::io {

namespace {

using asio::ip::tcp;
constexpr size_t kMaxHead = 8192;
constexpr auto kClientTimeout = std::chrono::seconds(5);

}  // namespace

struct MetricsServer::Impl {
  ServerThread loop;
  asio::io_context& ctx = loop.ctx;
  tcp::acceptor acceptor{ctx};
  Body body;
  size_t clients = 0;  // on the server thread only

  asio::awaitable<void> serve(tcp::socket sock) {
    ++clients;
    asio::steady_timer deadline(ctx);
    close_when_late(deadline, sock, kClientTimeout);
    std::string head;
    std::error_code ec;
    const size_t n = co_await asio::async_read_until(sock, asio::dynamic_buffer(head, kMaxHead), "\r\n\r\n",
                                                     asio::redirect_error(asio::use_awaitable, ec));
    // A head too long or cut short still gets its answer (400) when the socket is open.
    const std::string reply = metrics_http_reply(std::string_view(head).substr(0, ec ? head.size() : n), body);
    if (sock.is_open())
      co_await asio::async_write(sock, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    --clients;
  }

  asio::awaitable<void> accept_loop() {
    return accept_each(acceptor, "metrics", [this](tcp::socket sock) {
      if (clients >= kMaxClients) return;  // closed: scrapers come one at a time
      asio::co_spawn(ctx, serve(std::move(sock)), asio::detached);
    });
  }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const MetricsEndpoint& at, Body body) {
  auto impl = std::make_unique<Impl>();
  impl->body = std::move(body);
  std::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(at.address, ec), at.port);
  if (!ec) impl->acceptor.open(ep.protocol(), ec);
  if (!ec && at.v6) impl->acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{fmt::format("metrics {}: {}", at.str(), ec.message())};
  impl->loop.start(impl->accept_loop());
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::~MetricsServer() {
  if (!impl_) return;
  impl_->loop.stop();
  std::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace sixfour::io
