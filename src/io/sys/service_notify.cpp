#include "io/sys/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace sixfour::io {

ServiceNotifier::ServiceNotifier() {
  const char* sock = std::getenv("NOTIFY_SOCKET");
  enabled_ = sock && *sock;
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

std::optional<std::chrono::milliseconds> ServiceNotifier::tick_interval() const {
  if (!enabled_) return std::nullopt;
  std::chrono::milliseconds t = kStatusRefresh;
  if (watchdog_)
    t = std::min(t, std::max(std::chrono::milliseconds(1),
                             std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_ / 2)));
  return t;
}

std::string ServiceNotifier::clean_status(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxStatus)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return out;
}

void ServiceNotifier::send(const std::string& assignments) {
  if (enabled_) sd_notify(0, assignments.c_str());
}

void ServiceNotifier::ready(std::string_view status) {
  last_status_ = clean_status(status);
  send("READY=1\nSTATUS=" + last_status_);
}

void ServiceNotifier::status(std::string_view status) {
  const std::string s = clean_status(status);
  if (s == last_status_) return;
  last_status_ = s;
  send("STATUS=" + s);
}

void ServiceNotifier::tick(std::string_view status) {
  if (watchdog_) send("WATCHDOG=1");
  if (!status.empty()) this->status(status);
}

void ServiceNotifier::reloading() { send("RELOADING=1"); }

void ServiceNotifier::stopping(std::string_view status) {
  last_status_ = clean_status(status);
  send("STOPPING=1\nSTATUS=" + last_status_);
}

void ServiceNotifier::failed(std::string_view status, int errno_value) {
  std::string a = "STATUS=" + clean_status(status);
  if (errno_value > 0) a += "\nERRNO=" + std::to_string(errno_value);
  send(a);
}

}  // namespace sixfour::io
