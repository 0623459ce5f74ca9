// Reaching a client's target: the addresses to try (resolved, NAT64-synthesized, in Happy
// Eyeballs order) and the Happy Eyeballs v2 connect over them.
#pragma once
#include <optional>
#include <vector>

#include <asio.hpp>

#include "io/socks/shared.hpp"

namespace sixfour::io::socks_proxy {

// The addresses to try for `dst`, in Happy Eyeballs order (RFC 8305 §4), private ones removed
// with --deny-private. `err` says why the list is empty.
asio::awaitable<std::vector<socks::Address>> candidates(const Shared& sh, const socks::Address& dst, socks::Reply& err);

// Happy Eyeballs v2 (RFC 8305 §5) over `addrs`; the connected socket, or nothing with `err` set.
asio::awaitable<std::optional<asio::ip::tcp::socket>> happy_connect(Shared& sh,
                                                                    const std::vector<socks::Address>& addrs,
                                                                    socks::Reply& err);

}  // namespace sixfour::io::socks_proxy
