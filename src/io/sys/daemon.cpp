#include "io/sys/daemon.hpp"

#include <pthread.h>

#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/signal_policy.hpp"
#include "io/sys/control.hpp"

namespace sixfour::io {

void setup_daemon_logging(const std::string& who) {
  spdlog::drop("sixfour");
  auto logger = spdlog::stderr_logger_mt("sixfour");
  logger->set_pattern(who + ": %v");
  spdlog::set_default_logger(logger);
}

sigset_t block_daemon_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return sigs;
}

Daemon::Daemon(const std::string& who) : sigs_(block_daemon_signals()) { setup_daemon_logging(who); }

void Daemon::push(std::shared_ptr<void> owned, Stop stop) { stages_.push_back({std::move(owned), std::move(stop)}); }

Status Daemon::serve_control(const std::string& path, CommandTable commands) {
  auto server = ControlServer::start(
      path, [table = std::move(commands)](std::string_view cmd) -> std::string { return table.reply(cmd); });
  if (!server) return Error{server.error()};
  std::shared_ptr<ControlServer> owned = std::move(server).value();
  push(owned, {});
  return Ok{};
}

int Daemon::fail(const std::string& msg, int code) const {
  spdlog::error("{}", msg);
  return code;
}

bool Daemon::handle(int sig) {
  switch (signal_action(sig, static_cast<bool>(reload_))) {
    case SignalAction::Stop:
      return true;
    case SignalAction::Reload:
      spdlog::info("SIG{}: reloading", sigabbrev_np(sig));
      reload_();
      return false;
    case SignalAction::Ignore:
      spdlog::info("SIG{} ignored (nothing to reload; SIGTERM stops)", sigabbrev_np(sig));
      return false;
  }
  return false;
}

Status Daemon::run_as(const RunAs& r, std::vector<int> keep) {
  auto plan = plan_privileges(r, std::move(keep));
  if (!plan) return Error{plan.error()};
  privileges_ = std::move(plan).value();
  return Ok{};
}

int Daemon::run(const std::string& start_line, const std::vector<std::string>& warnings) {
  std::string line = start_line;
  if (privileges_) {
    auto said = drop_privileges(*privileges_);
    if (!said) {
      spdlog::error("{}", said.error());
      stop();
      return 1;
    }
    line += "; " + *said;
  }
  spdlog::info("{}", line);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  int sig = 0;
  do {
    sig = 0;
    sigwait(&sigs_, &sig);
  } while (!handle(sig));
  const std::vector<std::string> said = stop();
  if (said.empty())
    spdlog::info("stopped on {}", strsignal(sig));
  else
    spdlog::info("stopped on {}: {}", strsignal(sig), fmt::join(said, ", "));
  return 0;
}

std::vector<std::string> Daemon::stop() {
  std::vector<std::string> said;
  while (!stages_.empty()) {
    Entry e = std::move(stages_.back());
    stages_.pop_back();
    if (e.stop) {
      std::string s = e.stop();
      if (!s.empty()) said.push_back(std::move(s));
    }
    e.owned.reset();
  }
  return said;
}

}  // namespace sixfour::io
