// The relay of a connected client: both directions at once, each with splice(2) through a pipe
// (the bytes never enter user space), or recv/send when splice is unavailable. On EOF the write
// side of the other socket is shut down (half-close propagated, RFC 1928 leaves TCP semantics to
// the proxy: a client that sends FIN still gets the rest of the answer). A relay where neither
// direction moved a byte for the idle timeout is closed.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#include <asio.hpp>

#include "io/socks/stats.hpp"

namespace sixfour::io::socks_proxy {

struct Relay {
  asio::ip::tcp::socket& a;  // the client
  asio::ip::tcp::socket& b;  // the target
  Counters& ctr;
  Clock::time_point last{Clock::now()};
  uint64_t up = 0, down = 0;  // bytes a -> b and b -> a
  bool broken = false;

  // Relays until both directions ended, an error, or `idle` without a byte.
  asio::awaitable<void> run(std::chrono::seconds idle);

 private:
  void kill();
  asio::awaitable<void> pump(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to, uint64_t& count,
                             std::atomic<uint64_t>& total);
  // Returns false if splice is not supported for these sockets (then nothing was moved).
  asio::awaitable<bool> pump_splice(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to, uint64_t& count,
                                    std::atomic<uint64_t>& total, int p[2]);
  asio::awaitable<void> pump_copy(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to, uint64_t& count,
                                  std::atomic<uint64_t>& total);
  // Closes both sides when neither direction moved a byte for `idle`.
  asio::awaitable<void> watchdog(std::chrono::seconds idle, bool& done);
};

}  // namespace sixfour::io::socks_proxy
