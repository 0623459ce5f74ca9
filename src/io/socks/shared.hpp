// What every part of the proxy shares: the settings, users and NAT64 prefix, the counters, the
// per-client connection count (--max-per-client), and the conversions between Asio's addresses
// and socks::Address. One Shared per daemon, passed by reference to workers and sessions.
#pragma once
#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include <asio.hpp>

#include "addr/ip.hpp"
#include "io/socks/stats.hpp"
#include "socks/config.hpp"
#include "socks/protocol.hpp"

namespace sixfour::io::socks_proxy {

// The --users table, user -> crypt hash. A reload (SIGHUP) replaces it whole while sessions read
// it; a session keeps the copy it took. Whether a password is asked for at all is fixed at start
// (set() before the workers start; a reload never empties it).
class UserTable {
 public:
  using Map = std::map<std::string, std::string>;
  void set(Map m) {
    auto p = std::make_shared<const Map>(std::move(m));
    std::lock_guard lk(mu_);
    if (!started_) required_ = !p->empty();
    started_ = true;
    map_ = std::move(p);
  }
  std::shared_ptr<const Map> get() const {
    std::lock_guard lk(mu_);
    return map_;
  }
  bool required() const { return required_; }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Map> map_ = std::make_shared<const Map>();
  bool required_ = false;
  bool started_ = false;
};

struct Shared {
  socks::Settings cfg;
  std::optional<Ipv6Prefix> nat64;
  UserTable users;
  asio::thread_pool crypt_pool{1};  // crypt_r is slow on purpose: off the event loops
  Counters ctr;
  std::mutex per_client_mu;
  std::map<std::array<uint8_t, 16>, unsigned> per_client;
  // Handshakes in progress per client, oldest first (--max-handshakes-per-client): an id and
  // what closes it (posted to its session's thread).
  std::map<std::array<uint8_t, 16>, std::deque<std::pair<uint64_t, std::function<void()>>>> handshakes;
  uint64_t next_handshake = 0;  // under per_client_mu
};

// A handshake in progress for --max-handshakes-per-client: admitted with what closes it (the
// client's oldest one is closed first when it has too many), done when the handshake ends.
class HandshakeSlot {
 public:
  HandshakeSlot(Shared& s, const std::array<uint8_t, 16>& key) : s_(s), key_(key) {}
  HandshakeSlot(const HandshakeSlot&) = delete;
  HandshakeSlot& operator=(const HandshakeSlot&) = delete;
  void admit(std::function<void()> close);
  void done();
  ~HandshakeSlot() { done(); }

 private:
  Shared& s_;
  std::array<uint8_t, 16> key_;
  uint64_t id_ = 0;
  bool held_ = false;
};

// Counts a client's concurrent connections for --max-per-client; released on destruction.
class ClientSlot {
 public:
  ClientSlot(Shared& s, const std::array<uint8_t, 16>& key) : s_(s), key_(key) {}
  ClientSlot(const ClientSlot&) = delete;
  ClientSlot& operator=(const ClientSlot&) = delete;
  bool acquire();
  ~ClientSlot();

 private:
  Shared& s_;
  std::array<uint8_t, 16> key_;
  bool held_ = false;
};

socks::Address to_address(const asio::ip::address& a, uint16_t port);
template <typename Endpoint>
socks::Address to_address(const Endpoint& ep) {
  return to_address(ep.address(), ep.port());
}
asio::ip::address to_ip(const socks::Address& a);

// RFC 1928 §6 reply for a failed connect(2).
socks::Reply reply_for(const std::error_code& ec);

}  // namespace sixfour::io::socks_proxy
