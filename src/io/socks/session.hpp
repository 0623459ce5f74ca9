// One client of the proxy: its handshake (SOCKS4/4a, SOCKS5 with RFC 1929 authentication), then
// the command it asked for: CONNECT (Happy Eyeballs, then the relay), BIND (RFC 1928 §4) or UDP
// ASSOCIATE (RFC 1928 §7).
#pragma once
#include <functional>

#include <asio.hpp>

#include "io/socks/shared.hpp"

namespace sixfour::io::socks_proxy {

// Serves the accepted client `s` on `ctx` until its connection ends; then `on_end` runs.
void start_session(Shared& sh, asio::io_context& ctx, asio::ip::tcp::socket s, std::function<void()> on_end);

}  // namespace sixfour::io::socks_proxy
