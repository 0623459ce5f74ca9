// The command-line side of a daemon's setting table (common/settings.hpp): one CLI11 option per
// setting with its generated help, plus --config FILE, --print-config and the hidden
// --print-reference; what was given becomes the command-line ConfigInput, merged over the file's.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "common/settings.hpp"

namespace sixfour::cli {

// The part that does not depend on the ConfigInput type.
class SettingOptions {
 public:
  // Adds the options to `app`. `print_config_help` is --print-config's help text.
  void add(CLI::App* app, const std::vector<SettingInfo>& infos, const std::string& print_config_help);

  std::string config_file;
  bool print_config = false;
  bool print_reference = false;
  bool print_commented = false;

 protected:
  struct Slot {
    std::string text;
    std::vector<std::string> list;
    bool flag = false;
    CLI::Option* opt = nullptr;
  };
  std::deque<Slot> slots_;  // one per setting, in table order (CLI11 keeps references into it)
};

inline constexpr const char* kPrintConfigHelp =
    "print the effective configuration as TOML (usable as --config) and exit without starting";

template <typename In>
class DaemonOptions : public SettingOptions {
 public:
  using Parse = Result<In> (*)(std::string_view text, const std::string& file);
  DaemonOptions(SettingTable<In> table, Parse parse) : table_(table), parse_(parse) {}

  void add(CLI::App* app, const std::string& print_config_help = kPrintConfigHelp) {
    SettingOptions::add(app, infos(table_), print_config_help);
  }

  // Adds the daemon's subcommand `name` to `app` with these options, at most one query subcommand
  // below it (stats, ...) and `footer` after its help.
  CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description,
                        const std::string& footer, const std::string& print_config_help = kPrintConfigHelp) {
    CLI::App* cmd = app.add_subcommand(name, description);
    cmd->require_subcommand(0, 1);
    add(cmd, print_config_help);
    cmd->footer(footer);
    return cmd;
  }

  SettingTable<In> table() const { return table_; }

  // What the command line gave.
  In given() const {
    In in;
    for (size_t i = 0; i < table_.size(); ++i) {
      const Slot& slot = slots_[i];
      if (slot.opt->count() == 0) continue;
      GivenMut g = given_ref(table_[i], in);
      switch (table_[i].info.kind) {
        case SettingKind::Text:
        case SettingKind::Number:
          g.text->set(slot.text);
          break;
        case SettingKind::Flag:
        case SettingKind::NoFlag:
          g.flag->set(table_[i].info.kind == SettingKind::Flag);
          break;
        case SettingKind::List:
          g.list->set(slot.list);
          break;
      }
    }
    return in;
  }

  // The --config file (when given) with the command line merged over it.
  Result<In> input() const {
    In file_in;
    if (!config_file.empty()) {
      auto text = read_option_file("--config", config_file);
      if (!text) return Error{text.error()};
      auto parsed = parse_(*text, config_file);
      if (!parsed) return Error{parsed.error()};
      file_in = std::move(parsed).value();
    }
    return merge_inputs(table_, std::move(file_in), given());
  }

 private:
  SettingTable<In> table_;
  Parse parse_;
};

// Adds the query subcommand `stats` to `parent`: --json (print the daemon's JSON as is) and
// --control PATH, with `control_help` for the latter.
CLI::App* add_stats_query(CLI::App* parent, const std::string& what, bool& json, std::string& control,
                          const std::string& control_help);

// What every daemon command does after the parse: --print-reference prints the markdown table,
// --print-commented-config the commented TOML file (packaging);
// otherwise the input is validated (a bad value: one line and exit 2), printed as TOML for
// --print-config, or run. `validate(in)` returns Result<Cfg>, `render(cfg)` the TOML text.
template <typename In, typename Validate, typename Render, typename Run>
int run_daemon_command(const DaemonOptions<In>& o, const std::string& who, Validate validate, Render render, Run run) {
  if (o.print_reference) {
    std::fputs(reference_markdown(o.table()).c_str(), stdout);
    return 0;
  }
  if (o.print_commented) {
    std::fputs(reference_toml(o.table(), who).c_str(), stdout);
    return 0;
  }
  auto in = o.input();
  if (!in) return config_error(who, in.error());
  auto cfg = validate(*in);
  if (!cfg) return config_error(who, cfg.error());
  if (o.print_config) {
    std::fputs(render(*cfg).c_str(), stdout);
    return 0;
  }
  return run(*cfg);
}

}  // namespace sixfour::cli
