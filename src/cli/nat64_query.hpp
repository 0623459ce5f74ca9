// The control commands of a running NAT64 — `sixfour nat64 stats|sessions|bib` and the same
// commands of `sixfour gateway` (its NAT64 answers the same requests): ask the daemon's control
// socket and print the answer as a table, or its JSON as is.
#pragma once
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/fast_path_stage.hpp"
#include "common/control_protocol.hpp"
#include "io/dataplane/nat64_daemon.hpp"
#include "io/fastpath/nat64_fast_path.hpp"

namespace sixfour::cli {

struct Nat64Query {
  bool json = false;
  std::string tun;      // empty: the command's default TUN
  std::string control;  // overrides tun
};

// The query subcommands of a daemon with a NAT64 (nat64, gateway) and what each was given.
struct Nat64Queries {
  CLI::App *stats = nullptr, *sessions = nullptr, *bib = nullptr;
  Nat64Query qstats, qsessions, qbib;
};

// Adds subcommand `name` to `parent` with --json, --tun NAME and --control PATH (exclusive).
CLI::App* add_nat64_query(CLI::App* parent, const char* name, const char* what, const char* default_tun, Nat64Query& q);

// Hands `fast` (attached or not) to the daemon before it starts: the sink its State publishes
// sessions to, and the "fast_path" member of its stats. `fast` must outlive the daemon.
void use_fast_path(io::Nat64Daemon& d, const FastPathStage<io::Nat64FastPath>& fast);

// The control commands of a running NAT64 (stats, sessions, bib), answered by `nat64`.
CommandTable nat64_commands(const io::Nat64Daemon& nat64);

// The counters of a stats reply (flattened) as the table `stats` prints.
std::string format_nat64_stats(const std::map<std::string, std::string>& kv);

// The three tables. Each returns the exit code (0, or 1 after an error on stderr).
int print_nat64_stats(const std::string& who, const std::string& path, bool json);
int print_nat64_sessions(const std::string& who, const std::string& path, bool json);
int print_nat64_bib(const std::string& who, const std::string& path, bool json);

}  // namespace sixfour::cli
