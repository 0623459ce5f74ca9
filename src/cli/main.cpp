// The `sixfour` executable: subcommands over the protocol cores in src/ and the OS plumbing in io/.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/siit.hpp"
#include "siit/config.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

// One line on stderr and exit status 2: configuration errors are the user's to fix, and a single
// line naming the bad value is what scripts and humans both read.
int config_error(const std::string& who, const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", who.c_str(), msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using sixfour::siit::ConfigInput;

  CLI::App app{"sixfour: IPv6-only networks reaching IPv4 (stateless IP/ICMP translation, RFC 7915).",
               "sixfour"};
  app.set_version_flag("--version", fmt::format("sixfour {}", kVersion));
  app.require_subcommand(1);

  // ---- sixfour siit ----
  CLI::App* siit = app.add_subcommand(
      "siit", "Run the stateless IP/ICMP translator (RFC 7915 with RFC 6052 pool6 and RFC 7757 EAM) "
              "on a TUN device.");
  siit->require_subcommand(0, 1);
  std::string tun, pool6, mtu, lowest_mtu, udp_zero, workers, control, config_file;
  std::vector<std::string> eam, rfc6791;
  auto* o_tun = siit->add_option("--tun", tun, "TUN device name (default siit0; created if absent)")->type_name("NAME");
  auto* o_pool6 = siit->add_option("--pool6", pool6,
                                   "RFC 6052 translation prefix, length 32/40/48/56/64/96 (e.g. "
                                   "64:ff9b::/96)")
                    ->type_name("PREFIX");
  auto* o_eam = siit->add_option("--eam", eam,
                                 "RFC 7757 explicit address mapping V6PREFIX=V4PREFIX with equal "
                                 "suffix lengths (repeatable)")
                    ->type_name("V6=V4");
  auto* o_6791 = siit->add_option("--rfc6791", rfc6791,
                                  "RFC 6791 IPv4 pool for ICMPv6 errors whose source cannot be "
                                  "translated (repeatable)")
                     ->type_name("PREFIX");
  auto* o_mtu = siit->add_option("--mtu", mtu, "MTU of the TUN device, both families (default 1500, "
                                               "at least 1280)")
                  ->type_name("N");
  auto* o_lowest = siit->add_option("--lowest-ipv6-mtu", lowest_mtu,
                                    "IPv4 packets with DF=0 are fragmented to fit this IPv6 MTU "
                                    "(default 1280)")
                     ->type_name("N");
  bool allow_non_global = false, no_routes = false;
  auto* o_nonglobal = siit->add_flag("--allow-non-global", allow_non_global,
                                     "translate non-global IPv4 addresses with 64:ff9b::/96 (RFC "
                                     "6052 §3.1 forbids it; for labs)");
  auto* o_udp0 = siit->add_option("--udp-zero-checksum", udp_zero,
                                  "IPv4 UDP with checksum 0: compute it, or drop (default compute)")
                     ->type_name("compute|drop");
  auto* o_noroutes = siit->add_flag("--no-routes", no_routes, "do not add routes (manage them yourself)");
  auto* o_workers = siit->add_option("--workers", workers,
                                     "worker threads = TUN queues (default 1)")
                      ->type_name("N");
  auto* o_control = siit->add_option("--control", control,
                                     "control socket (default /run/sixfour/siit-TUN.sock)")
                      ->type_name("PATH");
  siit->add_option("--config", config_file,
                   "TOML file with the same settings (keys tun, pool6, eam = [\"v6=v4\", ...], "
                   "rfc6791 = [...], mtu, lowest-ipv6-mtu, allow-non-global, udp-zero-checksum, "
                   "routes, workers, control); command-line flags override it")
      ->type_name("FILE");
  siit->footer(std::string(
                   "Routes (unless --no-routes): pool6 and the RFC 6791 prefixes go into the TUN; "
                   "each EAM side goes into the TUN only if the kernel has no specific "
                   "(non-default) route covering it yet. They are removed on exit.\n") +
               std::string(sixfour::siit::self_address_rule) +
               "\n\nExample: sixfour siit --pool6 2001:db8:64::/96 --eam "
               "2001:db8:6::/120=192.0.2.0/24");

  // ---- sixfour siit stats ----
  CLI::App* stats = siit->add_subcommand("stats", "Print the counters of a running `sixfour siit`.");
  sixfour::cli::StatsOptions sopt;
  stats->add_flag("--json", sopt.json, "print the daemon's JSON as is");
  stats->footer("");
  auto* s_tun = stats->add_option("--tun", sopt.tun, "TUN device of the daemon (default siit0)")->type_name("NAME");
  auto* s_control = stats->add_option("--control", sopt.control, "control socket path")->type_name("PATH");
  s_tun->excludes(s_control);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string who = "sixfour";
    for (const CLI::App* sub : app.get_subcommands()) {
      who += " " + sub->get_name();
      for (const CLI::App* sub2 : sub->get_subcommands()) who += " " + sub2->get_name();
    }
    return config_error(who, std::string(e.what()) + " (see --help)");
  }

  if (stats->parsed()) return sixfour::cli::run_siit_stats(sopt);

  ConfigInput file_in;
  if (!config_file.empty()) {
    std::ifstream f(config_file);
    if (!f) return config_error("sixfour siit", fmt::format("--config \"{}\": cannot read it", config_file));
    std::stringstream ss;
    ss << f.rdbuf();
    auto parsed = sixfour::siit::parse_toml(ss.str(), config_file);
    if (!parsed) return config_error("sixfour siit", parsed.error());
    file_in = std::move(parsed).value();
  }
  ConfigInput cli_in;
  if (o_tun->count()) cli_in.tun.set(tun);
  if (o_pool6->count()) cli_in.pool6.set(pool6);
  if (o_eam->count()) cli_in.eam.set(eam);
  if (o_6791->count()) cli_in.rfc6791.set(rfc6791);
  if (o_mtu->count()) cli_in.mtu.set(mtu);
  if (o_lowest->count()) cli_in.lowest_ipv6_mtu.set(lowest_mtu);
  if (o_nonglobal->count()) cli_in.allow_non_global.set(true);
  if (o_udp0->count()) cli_in.udp_zero_checksum.set(udp_zero);
  if (o_noroutes->count()) cli_in.routes.set(false);
  if (o_workers->count()) cli_in.workers.set(workers);
  if (o_control->count()) cli_in.control.set(control);

  auto cfg = sixfour::siit::validate(sixfour::siit::merge(std::move(file_in), cli_in));
  if (!cfg) return config_error("sixfour siit", cfg.error());
  return sixfour::cli::run_siit(*cfg);
}
