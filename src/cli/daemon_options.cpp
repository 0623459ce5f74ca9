#include "cli/daemon_options.hpp"

#include <fmt/format.h>

namespace sixfour::cli {

CLI::App* add_stats_query(CLI::App* parent, const std::string& what, bool& json, std::string& control,
                          const std::string& control_help) {
  CLI::App* stats = parent->add_subcommand("stats", what);
  stats->add_flag("--json", json, "print the daemon's JSON as is");
  stats->add_option("--control", control, control_help)->type_name("PATH");
  return stats;
}

void SettingOptions::add(CLI::App* app, const std::vector<SettingInfo>& infos, const std::string& print_config_help) {
  for (const SettingInfo& s : infos) {
    Slot& slot = slots_.emplace_back();
    switch (s.kind) {
      case SettingKind::Text:
      case SettingKind::Number:
        slot.opt = app->add_option(s.flag(), slot.text, s.help_text())->type_name(std::string(s.type));
        break;
      case SettingKind::List:
        slot.opt = app->add_option(s.flag(), slot.list, s.help_text())->type_name(std::string(s.type));
        break;
      case SettingKind::Flag:
      case SettingKind::NoFlag:
        slot.opt = app->add_flag(s.flag(), slot.flag, s.help_text());
        break;
    }
  }
  std::string negated;
  for (const SettingInfo& s : infos)
    if (s.kind == SettingKind::NoFlag) negated += fmt::format("; {} = false for {}", s.name, s.flag());
  app->add_option("--config", config_file,
                  fmt::format("TOML file with the same settings (keys {}{}); command-line flags override it",
                              config_keys(infos), negated))
      ->type_name("FILE");
  app->add_flag("--print-config", print_config, print_config_help);
  app->add_flag("--print-reference", print_reference, "print the settings as a markdown table (docs)")->group("");
  app->add_flag("--print-commented-config", print_commented,
                "print every setting, commented out, as a TOML file (what the package installs in /etc/sixfour)")
      ->group("");
}

}  // namespace sixfour::cli
