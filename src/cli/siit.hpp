// `sixfour siit` (the daemon) and `sixfour siit stats` (its counters).
#pragma once
#include <string>

#include "siit/config.hpp"

namespace sixfour::cli {

// Exit status: 0 clean shutdown, 1 runtime failure (TUN, netlink, control socket).
int run_siit(const siit::DaemonConfig& cfg);

struct StatsOptions {
  bool json = false;
  std::string tun;      // empty: "siit0"
  std::string control;  // overrides tun
};
int run_siit_stats(const StatsOptions& opt);

}  // namespace sixfour::cli
