#include "io/socks/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/socks/nat64_prefix.hpp"
#include "io/socks/session.hpp"
#include "io/socks/shared.hpp"
#include "io/sys/daemon.hpp"
#include "socks/policy.hpp"

namespace sixfour::io {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using socks::Address;

namespace socks_proxy {

namespace {

// One worker thread: its io_context and its own listening socket per address.
struct Worker {
  Shared& sh;
  asio::io_context ctx{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  int reserve_fd = -1;

  explicit Worker(Shared& s) : sh(s) { reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  ~Worker() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  awaitable<void> accept_loop(tcp::acceptor& acc) {
    for (;;) {
      std::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
      if (ec) {
        if (ec.value() == EMFILE || ec.value() == ENFILE) {
          // Out of descriptors: give back the reserve, take the waiting client and close it at
          // once (it is refused rather than left hanging), keep serving the others.
          if (reserve_fd >= 0) {
            ::close(reserve_fd);
            reserve_fd = -1;
          }
          int fd = ::accept4(acc.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
          if (fd >= 0) {
            ::close(fd);
            inc(sh.ctr.refused_fd);
          }
          reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          asio::steady_timer t(ctx, std::chrono::milliseconds(10));
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        continue;
      }
      inc(sh.ctr.accepted);
      const auto peer = s.remote_endpoint(ec);
      if (ec) continue;
      const Address pa = to_address(peer);
      if (!socks::client_allowed(sh.cfg.allow, pa)) {
        inc(sh.ctr.refused_allow);
        continue;  // closed by the destructor
      }
      auto slot = std::make_shared<ClientSlot>(sh, pa.ip);
      if (!slot->acquire()) {
        inc(sh.ctr.refused_limit);
        continue;
      }
      s.set_option(tcp::no_delay(true), ec);
      inc(sh.ctr.active);
      start_session(sh, ctx, std::move(s), [this, slot] { sh.ctr.active.fetch_sub(1, std::memory_order_relaxed); });
    }
  }
};

// A listening socket of `w` on `ep` (SO_REUSEPORT: every worker has its own, no shared accept
// queue lock, the kernel balances new clients).
std::error_code listen_on(Worker& w, const tcp::endpoint& ep) {
  auto acc = std::make_unique<tcp::acceptor>(w.ctx);
  std::error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
      ec.assign(errno, std::generic_category());
  }
  if (!ec && ep.address().is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(4096, ec);
  if (!ec) w.acceptors.push_back(std::move(acc));
  return ec;
}

// Binds every --listen address on every worker. A default loopback address this host does not
// have is skipped; any other failure, or no address at all, is an error.
Status bind_listeners(const socks::Settings& cfg, std::vector<std::unique_ptr<Worker>>& workers) {
  size_t bound = 0;
  for (const Address& l : cfg.listen) {
    const tcp::endpoint ep(to_ip(l), l.port);
    bool this_ok = true;
    for (auto& w : workers) {
      const std::error_code ec = listen_on(*w, ep);
      if (!ec) continue;
      if (cfg.listen_defaulted && ec.value() == EADDRNOTAVAIL) {
        this_ok = false;
        break;
      }
      return Error{fmt::format("--listen {}: {}", l.str(), ec.message())};
    }
    if (this_ok) {
      ++bound;
      spdlog::info("listening on {}", l.str());
    }
  }
  if (bound == 0) return Error{"no listen address could be bound"};
  return Ok{};
}

// The worker threads, running until stopped (a stage of the daemon).
struct Workers {
  std::vector<std::unique_ptr<Worker>> list;
  std::vector<std::thread> threads;

  void start() {
    for (auto& w : list) {
      for (auto& acc : w->acceptors) asio::co_spawn(w->ctx, w->accept_loop(*acc), asio::detached);
      threads.emplace_back([&w] { w->ctx.run(); });
    }
  }
  void stop() {
    for (auto& w : list) w->ctx.stop();
    for (auto& t : threads) t.join();
    threads.clear();
  }
};

}  // namespace

}  // namespace socks_proxy

namespace {

socks_proxy::UserTable::Map user_map(const std::vector<socks::UserEntry>& users) {
  socks_proxy::UserTable::Map m;
  for (const socks::UserEntry& u : users) m[u.user] = u.hash;
  return m;
}

}  // namespace

int run_socks(const socks::Settings& cfg, std::vector<socks::UserEntry> users, UsersReader reread_users) {
  using namespace socks_proxy;
  Daemon d("sixfour socks");
  if (auto st = d.run_as(cfg.run_as, {}); !st) return d.fail(st.error(), 2);
  auto& sh = d.stage<Shared>({});
  sh.cfg = cfg;
  sh.users.set(user_map(users));
  if (reread_users)
    d.on_reload([&sh, reread_users, file = cfg.users_file] {
      auto u = reread_users();
      if (!u) {
        spdlog::error("reload refused, the running users stay: {}", u.error());
        return;
      }
      sh.users.set(user_map(*u));
      spdlog::info("reloaded: {} user{} from {}", u->size(), u->size() == 1 ? "" : "s", file);
    });
  sh.nat64 = nat64_prefix(cfg);

  const unsigned nworkers = cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
  auto& workers = d.stage<Workers>(calls_stop<Workers>());
  for (unsigned i = 0; i < nworkers; ++i) workers.list.push_back(std::make_unique<Worker>(sh));
  if (auto st = bind_listeners(cfg, workers.list); !st) return d.fail(st.error());

  CommandTable commands;
  commands.add("stats", [&sh, start = Clock::now()] { return stats_json(sh.ctr, start); });
  if (auto st = d.serve_control(cfg.control, std::move(commands)); !st)
    return d.fail(fmt::format("--control {}: {}", cfg.control, st.error()));
  d.status_from("stats", "", {{"clients", {"/clients/active"}}, {"connects", {"/commands/connect"}}});
  MetricsSchema metrics;
  metrics.daemon = "socks";
  metrics.gauges = {"uptime_seconds", "clients/active"};
  metrics.rules = {{"replies/", "replies", "code", false, ""},
                   {"commands/", "commands", "command", false, ""},
                   {"bytes/", "relayed_bytes", "direction", false, ""},
                   {"auth/", "authentications", "result", false, ""}};
  if (auto st = d.serve_metrics(cfg.metrics, std::move(metrics)); !st) return d.fail(st.error());
  workers.start();
  return d.run(fmt::format("{} worker(s), users {}, control {}", nworkers, users.size(), cfg.control));
}

}  // namespace sixfour::io
