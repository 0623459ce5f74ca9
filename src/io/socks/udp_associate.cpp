#include "io/socks/udp_associate.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <cstring>
#include <vector>

#include "addr/rfc6052.hpp"
#include "io/socks/connect.hpp"

namespace sixfour::io::socks_proxy {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;
using socks::Address;
using socks::Reply;

UdpAssociation::UdpAssociation(Shared& sh, asio::ip::tcp::socket& control, udp::socket front, uint16_t claimed_port)
    : sh_(sh),
      control_(control),
      front_(std::move(front)),
      out4_(front_.get_executor()),
      out6_(front_.get_executor()),
      client_port_known_(claimed_port != 0) {
  std::error_code ec;
  out4_.open(udp::v4(), ec);
  out6_.open(udp::v6(), ec);
  client_ep_ = udp::endpoint(control_.remote_endpoint(ec).address(), claimed_port);
}

awaitable<void> UdpAssociation::run() {
  co_await (watch_control() || from_client() || to_client(out4_) || to_client(out6_));
}

awaitable<void> UdpAssociation::watch_control() {
  // Anything on the control connection other than its end is ignored (RFC 1928 §7).
  std::array<uint8_t, 256> b;
  for (;;) {
    std::error_code e;
    co_await control_.async_read_some(asio::buffer(b), asio::redirect_error(use_awaitable, e));
    if (e) co_return;
  }
}

bool UdpAssociation::is_client(const udp::endpoint& src) {
  if (src.address() != client_ep_.address() || (client_port_known_ && src.port() != client_ep_.port())) return false;
  if (!client_port_known_) {
    client_ep_ = src;
    client_port_known_ = true;
  }
  return true;
}

awaitable<bool> UdpAssociation::send_out(std::span<const uint8_t> datagram) {
  auto h = socks::parse_udp_header(datagram);
  // RFC 1928 §7: an implementation that does not reassemble MUST drop FRAG != 0.
  if (h.status != socks::Step::Done || h.value.frag != 0) co_return false;
  Reply err = Reply::GeneralFailure;
  auto addrs = co_await candidates(sh_, h.value.dst, err);
  const auto payload = asio::buffer(datagram.data() + h.value.length, datagram.size() - h.value.length);
  for (const Address& a : addrs) {
    udp::socket& o = a.kind == Address::Kind::Ipv4 ? out4_ : out6_;
    if (!o.is_open()) continue;
    std::error_code e;
    o.send_to(payload, udp::endpoint(to_ip(a), a.port), 0, e);
    if (!e) co_return true;
  }
  co_return false;
}

awaitable<void> UdpAssociation::from_client() {
  std::vector<uint8_t> b(65536);
  for (;;) {
    udp::endpoint src;
    std::error_code e;
    size_t n = co_await front_.async_receive_from(asio::buffer(b), src, asio::redirect_error(use_awaitable, e));
    if (e) co_return;
    bool sent = false;
    if (is_client(src)) sent = co_await send_out(std::span<const uint8_t>(b.data(), n));
    inc(sent ? sh_.ctr.udp_in : sh_.ctr.udp_dropped);
  }
}

awaitable<void> UdpAssociation::to_client(udp::socket& o) {
  if (!o.is_open()) {
    // Keep the || in run() waiting on the others.
    asio::steady_timer forever(o.get_executor(), Clock::time_point::max());
    std::error_code e;
    co_await forever.async_wait(asio::redirect_error(use_awaitable, e));
    co_return;
  }
  std::vector<uint8_t> b(65536 + socks::kMaxReply);
  for (;;) {
    udp::endpoint src;
    std::error_code e;
    size_t n = co_await o.async_receive_from(asio::buffer(b.data() + socks::kMaxReply, 65536), src,
                                             asio::redirect_error(use_awaitable, e));
    if (e) co_return;
    if (!client_port_known_) continue;
    // Replies from a NAT64-synthesized address are shown as the IPv4 address the client used.
    Address from = to_address(src);
    if (sh_.nat64 && from.kind == Address::Kind::Ipv6 && sh_.nat64->contains(Ipv6Addr{from.ip}))
      from = Address::v4(rfc6052::extract(*sh_.nat64, Ipv6Addr{from.ip}).b, from.port);
    std::array<uint8_t, socks::kMaxReply> hdr{};
    const size_t hl = socks::encode_udp_header(from, hdr);
    std::memcpy(b.data() + socks::kMaxReply - hl, hdr.data(), hl);
    front_.send_to(asio::buffer(b.data() + socks::kMaxReply - hl, n + hl), client_ep_, 0, e);
    if (!e) inc(sh_.ctr.udp_out);
  }
}

}  // namespace sixfour::io::socks_proxy
