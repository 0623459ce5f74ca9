// `sixfour siit` (the daemon) and `sixfour siit stats` (its counters).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "cli/nat64_query.hpp"
#include "siit/config.hpp"

namespace sixfour::cli {

// Exit status: 0 clean shutdown, 1 runtime failure (TUN, netlink, control socket).
int run_siit(const siit::DaemonConfig& cfg);

// --json, --tun (empty: "siit0") and --control (overrides tun), as for the NAT64 queries.
using StatsOptions = Nat64Query;
int run_siit_stats(const StatsOptions& opt);

// The counters table of a stats reply in the siit form (io::to_json(StatsSnapshot)); `clat stats`
// prints the same.
std::string format_siit_stats(const nlohmann::json& doc);

}  // namespace sixfour::cli
