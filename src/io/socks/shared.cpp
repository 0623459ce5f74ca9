#include "io/socks/shared.hpp"

#include <cerrno>

namespace sixfour::io::socks_proxy {

using socks::Address;
using socks::Reply;

bool ClientSlot::acquire() {
  std::lock_guard lk(s_.per_client_mu);
  unsigned& n = s_.per_client[key_];
  if (s_.cfg.max_per_client && n >= s_.cfg.max_per_client) {
    if (n == 0) s_.per_client.erase(key_);
    return false;
  }
  ++n;
  held_ = true;
  return true;
}

ClientSlot::~ClientSlot() {
  if (!held_) return;
  std::lock_guard lk(s_.per_client_mu);
  auto it = s_.per_client.find(key_);
  if (it != s_.per_client.end() && --it->second == 0) s_.per_client.erase(it);
}

void HandshakeSlot::admit(std::function<void()> close) {
  if (s_.cfg.max_handshakes_per_client == 0) return;
  std::function<void()> evicted;
  {
    std::lock_guard lk(s_.per_client_mu);
    auto& q = s_.handshakes[key_];
    if (q.size() >= s_.cfg.max_handshakes_per_client) {
      evicted = std::move(q.front().second);
      q.pop_front();
      inc(s_.ctr.handshake_evicted);
    }
    id_ = ++s_.next_handshake;
    q.emplace_back(id_, std::move(close));
    held_ = true;
  }
  if (evicted) evicted();
}

void HandshakeSlot::done() {
  if (!held_) return;
  held_ = false;
  std::lock_guard lk(s_.per_client_mu);
  auto it = s_.handshakes.find(key_);
  if (it == s_.handshakes.end()) return;
  auto& q = it->second;
  for (auto e = q.begin(); e != q.end(); ++e) {
    if (e->first == id_) {
      q.erase(e);
      break;
    }
  }
  if (q.empty()) s_.handshakes.erase(it);
}

Address to_address(const asio::ip::address& a, uint16_t port) {
  if (a.is_v4()) return Address::v4(a.to_v4().to_bytes(), port);
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return Address::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes(), port);
  return Address::v6(v6.to_bytes(), port);
}

asio::ip::address to_ip(const Address& a) {
  if (a.kind == Address::Kind::Ipv4)
    return asio::ip::address_v4(asio::ip::address_v4::bytes_type{a.ip[0], a.ip[1], a.ip[2], a.ip[3]});
  return asio::ip::address_v6(a.ip);
}

Reply reply_for(const std::error_code& ec) {
  switch (ec.value()) {
    case ECONNREFUSED:
      return Reply::ConnectionRefused;
    case ENETUNREACH:
    case ENETDOWN:
    case EAFNOSUPPORT:
    case EADDRNOTAVAIL:
      return Reply::NetUnreachable;
    case EHOSTUNREACH:
    case EHOSTDOWN:
      return Reply::HostUnreachable;
    // No SYN-ACK in time: the nearest RFC 1928 code is "TTL expired" (as other proxies answer).
    case ETIMEDOUT:
      return Reply::TtlExpired;
    case EACCES:
    case EPERM:
      return Reply::NotAllowed;
    default:
      return Reply::GeneralFailure;
  }
}

}  // namespace sixfour::io::socks_proxy
