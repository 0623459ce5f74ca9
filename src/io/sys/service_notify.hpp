// The systemd service notification protocol (sd_notify(3), through libsystemd), as every daemon
// speaks it when systemd (or anything else setting NOTIFY_SOCKET) starts it: READY=1 once it is
// set up, STATUS= with a one-line summary (refreshed while it runs), WATCHDOG=1 at half the
// WatchdogSec= interval from the thread that waits for signals, RELOADING=1 around a SIGHUP reload,
// STOPPING=1 when it stops. Without NOTIFY_SOCKET every call does nothing.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sixfour::io {

class ServiceNotifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID (sd_watchdog_enabled) once.
  ServiceNotifier();

  bool enabled() const { return enabled_; }
  // How long the signal wait may last before tick(): half the watchdog interval, else the STATUS=
  // refresh period while notifying; nullopt = forever (no one listens).
  std::optional<std::chrono::milliseconds> tick_interval() const;

  void ready(std::string_view status);
  void status(std::string_view status);
  void tick(std::string_view status);  // WATCHDOG=1 (when asked for) and STATUS= when it changed
  void reloading();
  void stopping(std::string_view status);
  void failed(std::string_view status, int errno_value = 0);

  // One line, at most kMaxStatus bytes, no newlines (a newline would start another assignment).
  static std::string clean_status(std::string_view s);
  static constexpr size_t kMaxStatus = 500;

  static constexpr std::chrono::milliseconds kStatusRefresh{10000};

 private:
  void send(const std::string& assignments);

  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
  std::string last_status_;
};

}  // namespace sixfour::io
