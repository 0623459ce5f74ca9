// The one shape every sixfour daemon (siit, nat64, dns64, socks, gateway) runs in:
//
//   io::Daemon d("sixfour siit");            // log prefix, signals blocked, SIGPIPE ignored
//   auto& a = d.stage<A>(stop_a, args...);   // stages start in order...
//   auto& b = d.stage<B>(stop_b, args...);
//   d.serve_control(path, commands);         // the control socket is a stage too
//   return d.run("translating on ...");      // start line, wait for a signal, stop, stop line
//
// Stages stop in reverse order of their start, whether run() returns or a start-up step fails
// (the Daemon's destructor unwinds the stages started so far). Signals: SIGTERM and SIGINT stop
// the daemon; SIGHUP calls the reload hook if the daemon set one, and is otherwise logged and
// ignored (it never stops anything). A data-plane thread whose queue fails raises SIGTERM, which
// takes the same path. Started by systemd (NOTIFY_SOCKET set), run() speaks its notification
// protocol (io/sys/service_notify.hpp): READY=1 with the start line, STATUS= from on_status(),
// WATCHDOG=1, RELOADING=1 and STOPPING=1.
#pragma once
#include <signal.h>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "common/control_protocol.hpp"
#include "common/result.hpp"
#include "common/run_as.hpp"
#include "common/metrics_http.hpp"
#include "common/prometheus.hpp"
#include "common/status_summary.hpp"
#include "io/sys/privileges.hpp"
#include "io/sys/service_notify.hpp"

namespace sixfour::io {

// Log lines on stderr as "WHO: message" (WHO is e.g. "sixfour siit").
void setup_daemon_logging(const std::string& who);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (every thread it starts inherits the
// mask; the caller takes them with sigwait(&returned set)); ignores SIGPIPE.
sigset_t block_daemon_signals();

// A stage teardown that calls t.stop() and adds nothing to the stop line.
template <typename T>
std::function<std::string(T&)> calls_stop() {
  return [](T& t) {
    t.stop();
    return std::string();
  };
}

class Daemon {
 public:
  // What a stage's teardown says for the stop line ("2 routes removed"), or "" for nothing.
  using Stop = std::function<std::string()>;

  explicit Daemon(const std::string& who);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() { stop(); }

  // Constructs a T owned by the daemon; on stop, `teardown(t)` runs (its text joins the stop line),
  // then t is destroyed.
  template <typename T>
  using Teardown = std::type_identity_t<std::function<std::string(T&)>>;

  template <typename T, typename... Args>
  T& stage(Teardown<T> teardown, Args&&... args) {
    auto obj = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *obj;
    push(obj, teardown ? Stop([obj, teardown] { return teardown(*obj); }) : Stop());
    return ref;
  }
  // Takes ownership of an object already made (e.g. from a Result).
  template <typename T>
  T& keep(T value, Teardown<T> teardown = {}) {
    return stage<T>(std::move(teardown), std::move(value));
  }
  // A teardown step with nothing to own.
  void on_stop(Stop f) { push(nullptr, std::move(f)); }

  // SIGHUP calls `f` (on the signal-waiting thread).
  void on_reload(std::function<void()> f) { reload_ = std::move(f); }

  // The one-line summary systemd shows (STATUS=: "sessions 12, ..."), asked for on the
  // signal-waiting thread when the daemon is ready and every ServiceNotifier::kStatusRefresh.
  void on_status(std::function<std::string()> f) { status_ = std::move(f); }
  // The usual such summary: `head`, then fields summed from the JSON the control command `command`
  // answers (common/status_summary.hpp). Call after serve_control().
  void status_from(std::string command, std::string head, std::vector<SummaryField> fields);

  // Starts the control socket at `path` answering `commands`; a stage (closed first on stop).
  Status serve_control(const std::string& path, CommandTable commands);

  // --metrics: serves the control command "stats"'s JSON in the Prometheus text format
  // (common/prometheus.hpp, io/sys/metrics_server.hpp) at `at`, when given; a stage. Call after
  // serve_control().
  Status serve_metrics(const std::optional<MetricsEndpoint>& at, MetricsSchema schema);

  // Least privilege: looks the user up now (a --user that does not exist is an error) and has
  // run() drop to it with only `keep` (CAP_* numbers) once everything is set up.
  Status run_as(const RunAs& r, std::vector<int> keep);

  // Logs `msg` as an error and returns exit status `code` (for start-up failures).
  int fail(const std::string& msg, int code = 1) const;

  // Drops privileges when run_as() was called (its "privileges: ..." joins the start line; a
  // failure stops the stages and returns 1), logs `start_line` (then each of `warnings`), waits for SIGTERM or SIGINT
  // (SIGHUP: reload or ignore), stops the stages in reverse order and logs "stopped on SIGNAL: what the stages said".
  // Returns 0.
  int run(const std::string& start_line, const std::vector<std::string>& warnings = {});

  // Stops the stages started so far, last first (idempotent); returns their stop texts.
  std::vector<std::string> stop();

 private:
  // What the signal loop does with one signal: true if it ends the wait.
  bool handle(int sig);
  // The next signal; meanwhile, the watchdog and STATUS= ticks when systemd listens.
  int wait_signal();
  std::string status_line(const std::string& fallback) const;

  struct Entry {
    std::shared_ptr<void> owned;
    Stop stop;
  };
  void push(std::shared_ptr<void> owned, Stop stop);

  sigset_t sigs_;
  std::function<void()> reload_;
  std::function<std::string()> status_;
  CommandTable commands_;           // what the control socket answers, for status_from()
  mutable ServiceNotifier notify_;  // fail() tells systemd too
  std::vector<Entry> stages_;
  std::optional<PrivilegePlan> privileges_;
};

}  // namespace sixfour::io
