// What every sixfour daemon does with a signal it waits for (io/sys/daemon.hpp): SIGTERM and
// SIGINT stop it; SIGHUP reloads it if it can, and is otherwise ignored, never a stop.
#pragma once

namespace sixfour {

enum class SignalAction { Stop, Reload, Ignore };

SignalAction signal_action(int sig, bool has_reload);

}  // namespace sixfour
