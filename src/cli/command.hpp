// How a subcommand joins the `sixfour` executable: its own file defines a static Command that adds
// the subcommand's options to the CLI11 app and says what to run when that subcommand was given.
// main.cpp knows no subcommand by name.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "common/result.hpp"

namespace sixfour::cli {

struct Command {
  int order;  // position in `sixfour --help`
  // Adds the subcommand (and its options, bound to the file's own state) to `app`; returns it.
  std::function<CLI::App*(CLI::App& app)> add;
  // Runs it after a successful parse; returns the exit status (0 ok, 1 runtime failure, 2 bad
  // configuration with one line on stderr).
  std::function<int()> run;
};

// Called from a static initializer in each command's file.
bool register_command(Command c);

// The one instance of a command file's state (its options and subcommands): `add` binds it,
// `run` reads it after the parse. Built on first use, so static initialization order is no issue.
template <class T>
T& command_state() {
  static T state;
  return state;
}

// The whole text of a file named by option `flag` ("--config"), or the one-line error
// `--config "PATH": cannot read it`.
Result<std::string> read_option_file(const std::string& flag, const std::string& path);

// One line on stderr ("WHO: MESSAGE") and exit status 2: configuration errors are the user's to
// fix, and a single line naming the bad value is what scripts and humans both read.
int config_error(const std::string& who, const std::string& msg);

}  // namespace sixfour::cli
