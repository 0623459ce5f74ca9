// The `sixfour` executable: one subcommand per file in src/cli/ (see command.hpp), over the protocol
// cores in src/ and the OS plumbing in src/io/.
#include <CLI/CLI.hpp>

#include <algorithm>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "sixfour_version.hpp"  // generated: cmake/version.cmake

namespace sixfour::cli {

namespace {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace

bool register_command(Command c) {
  registry().push_back(std::move(c));
  return true;
}

Result<std::string> read_option_file(const std::string& flag, const std::string& path) {
  std::ifstream f(path);
  if (!f) return Error{fmt::format("{} \"{}\": cannot read it", flag, path)};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int config_error(const std::string& who, const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", who.c_str(), msg.c_str());
  return 2;
}

}  // namespace sixfour::cli

int main(int argc, char** argv) {
  using namespace sixfour::cli;
  CLI::App app{"sixfour: IPv6-only networks reaching IPv4 (IP/ICMP translation, RFC 7915).", "sixfour"};
  app.set_version_flag("--version", fmt::format("sixfour {} (git {})", SIXFOUR_VERSION, SIXFOUR_GIT_DESCRIBE));
  app.require_subcommand(1);

  std::vector<Command> commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<CLI::App*> subs;
  for (const Command& c : commands) subs.push_back(c.add(app));

  // CLI11 reports both a missing and a misspelt command as "A subcommand is required"; say which.
  if (argc < 2) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  const std::string first = argv[1];
  if (!first.empty() && first[0] != '-' &&
      std::none_of(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(first); })) {
    std::string names;
    for (const CLI::App* s : subs) names += (names.empty() ? "" : ", ") + s->get_name();
    return config_error("sixfour", fmt::format("unknown command \"{}\" (commands: {}; see --help)", first, names));
  }

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

  for (size_t i = 0; i < commands.size(); ++i)
    if (subs[i]->parsed()) return commands[i].run();
  return 2;  // unreachable: require_subcommand(1)
}
