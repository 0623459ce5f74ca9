#include "common/signal_policy.hpp"

#include <signal.h>

namespace sixfour {

SignalAction signal_action(int sig, bool has_reload) {
  if (sig == SIGHUP) return has_reload ? SignalAction::Reload : SignalAction::Ignore;
  if (sig == SIGTERM || sig == SIGINT) return SignalAction::Stop;
  return SignalAction::Ignore;
}

}  // namespace sixfour
