#include "io/sys/daemon.hpp"

#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/signal_policy.hpp"
#include "io/sys/control.hpp"
#include "io/sys/metrics_server.hpp"

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

void Daemon::status_from(std::string command, std::string head, std::vector<SummaryField> fields) {
  status_ = [this, command = std::move(command), head = std::move(head), fields = std::move(fields)] {
    return summarize_stats(commands_.reply(command), head, fields);
  };
}

Status Daemon::serve_metrics(const std::optional<MetricsEndpoint>& at, MetricsSchema schema) {
  if (!at) return Ok{};
  auto server = MetricsServer::start(
      *at, [this, schema = std::move(schema)] { return prometheus_exposition(commands_.reply("stats"), schema); });
  if (!server) return Error{server.error()};
  push(std::shared_ptr<MetricsServer>(std::move(server).value()), {});
  return Ok{};
}

Status Daemon::serve_control(const std::string& path, CommandTable commands) {
  commands_ = commands;
  auto server = ControlServer::start(
      path, [table = std::move(commands)](std::string_view cmd) -> std::string { return table.reply(cmd); });
  if (!server) return Error{server.error()};
  std::shared_ptr<ControlServer> owned = std::move(server).value();
  push(owned, {});
  return Ok{};
}

int Daemon::fail(const std::string& msg, int code) const {
  spdlog::error("{}", msg);
  notify_.failed(msg);
  return code;
}

bool Daemon::handle(int sig) {
  switch (signal_action(sig, static_cast<bool>(reload_))) {
    case SignalAction::Stop:
      return true;
    case SignalAction::Reload:
      spdlog::info("SIG{}: reloading", sigabbrev_np(sig));
      notify_.reloading();
      reload_();
      notify_.ready(status_line(""));
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

std::string Daemon::status_line(const std::string& fallback) const {
  std::string s = status_ ? status_() : std::string();
  return s.empty() ? fallback : s;
}

int Daemon::wait_signal() {
  const auto tick = notify_.tick_interval();
  for (;;) {
    int sig = 0;
    if (!tick) {
      if (sigwait(&sigs_, &sig) == 0) return sig;
      continue;
    }
    const auto ms = tick->count();
    const timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
    sig = sigtimedwait(&sigs_, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) notify_.tick(status_ ? status_() : std::string());
  }
}

int Daemon::run(const std::string& start_line, const std::vector<std::string>& warnings) {
  std::string line = start_line;
  if (privileges_) {
    auto said = drop_privileges(*privileges_);
    if (!said) {
      fail(said.error());
      stop();
      return 1;
    }
    line += "; " + *said;
  }
  spdlog::info("{}", line);
  for (const std::string& w : warnings) spdlog::warn("{}", w);
  notify_.ready(status_line(start_line));
  int sig = 0;
  do {
    sig = wait_signal();
  } while (!handle(sig));
  notify_.stopping(fmt::format("stopping on {}", strsignal(sig)));
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
