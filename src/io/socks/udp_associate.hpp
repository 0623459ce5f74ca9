// RFC 1928 §7 UDP ASSOCIATE after the reply: datagrams from the client (on the relay socket facing
// it) go out from one socket per family to their targets, answers come back with the SOCKS UDP
// header. The association lives as long as the client's TCP connection.
#pragma once
#include <cstdint>
#include <span>

#include <asio.hpp>

#include "io/socks/shared.hpp"

namespace sixfour::io::socks_proxy {

class UdpAssociation {
 public:
  // `front` is the relay socket the client was told about; `claimed_port` the source port the
  // client announced in its request (0: learnt from its first datagram).
  UdpAssociation(Shared& sh, asio::ip::tcp::socket& control, asio::ip::udp::socket front, uint16_t claimed_port);

  // Relays until the control connection ends.
  asio::awaitable<void> run();

 private:
  asio::awaitable<void> watch_control();
  asio::awaitable<void> from_client();
  asio::awaitable<void> to_client(asio::ip::udp::socket& out);
  // True if a datagram from `src` is the client's (learning its port on the first one).
  bool is_client(const asio::ip::udp::endpoint& src);
  // Sends the payload of one client datagram (header parsed) to the first target that takes it.
  asio::awaitable<bool> send_out(std::span<const uint8_t> datagram);

  Shared& sh_;
  asio::ip::tcp::socket& control_;
  asio::ip::udp::socket front_, out4_, out6_;
  // The client's UDP source: its TCP address, and the port it announced if it announced one
  // (RFC 1928 §7: the server MAY use DST.ADDR/DST.PORT to limit access).
  asio::ip::udp::endpoint client_ep_;
  bool client_port_known_;
};

}  // namespace sixfour::io::socks_proxy
