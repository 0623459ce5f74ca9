// The control commands of a running NAT64 — `sixfour nat64 stats|sessions|bib` and the same
// commands of `sixfour gateway` (its NAT64 answers the same requests): ask the daemon's control
// socket and print the answer as a table, or its JSON as is.
#pragma once
#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace sixfour::cli {

struct Nat64Query {
  bool json = false;
  std::string tun;      // empty: the command's default TUN
  std::string control;  // overrides tun
};

// Adds subcommand `name` to `parent` with --json, --tun NAME and --control PATH (exclusive).
CLI::App* add_nat64_query(CLI::App* parent, const char* name, const char* what, const char* default_tun, Nat64Query& q);

// Asks the daemon at `path` for `command` ("stats", "sessions", "bib"). With json, prints the
// reply as is and returns -1; otherwise fills `kv` with the flattened reply and returns 0. On an
// error, prints "WHO: message" to stderr and returns 1.
int ask_nat64(const std::string& who, const std::string& path, const char* command, bool json,
              std::map<std::string, std::string>& kv);

// The counters of a stats reply (flattened) as the table `stats` prints.
std::string format_nat64_stats(const std::map<std::string, std::string>& kv);

// The three tables. Each returns the exit code (0, or 1 after an error on stderr).
int print_nat64_stats(const std::string& who, const std::string& path, bool json);
int print_nat64_sessions(const std::string& who, const std::string& path, bool json);
int print_nat64_bib(const std::string& who, const std::string& path, bool json);

}  // namespace sixfour::cli
