// `sixfour lab up|down|demo|shell`: a lab of network namespaces that shows an IPv6-only laptop
// reaching an IPv4-only web site (see src/lab/lab.hpp for the topology, src/io/lab/lab.cpp for how
// it is built).
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "io/lab/lab.hpp"
#include "lab/lab.hpp"

namespace sixfour::cli {

namespace {

struct LabCli {
  std::string prefix = std::string(lab::kDefaultPrefix);
  bool keep = false, gateway = false;
  std::string node;
  std::vector<std::string> command;
  std::string http_addr, http_port, http_name;
  CLI::App *up = nullptr, *down = nullptr, *demo = nullptr, *shell = nullptr, *serve = nullptr;
};

void add_prefix(CLI::App* sub, LabCli& c) {
  sub->add_option("--prefix", c.prefix,
                  "namespace names are PREFIX-laptop, PREFIX-gw, PREFIX-web4, PREFIX-ds (default sixfour)")
      ->type_name("WORD");
}

CLI::App* add_lab(CLI::App& app) {
  LabCli& c = command_state<LabCli>();
  CLI::App* cmd = app.add_subcommand(
      "lab",
      "A lab of network namespaces: an IPv6-only laptop, a gateway, an IPv4-only web server with its "
      "own DNS zone, a dual-stack server (documentation addresses only; needs root).");
  cmd->require_subcommand(1);
  c.up = cmd->add_subcommand("up", "Build the lab (tearing down leftovers first) and start its DNS and web servers.");
  add_prefix(c.up, c);
  c.up->add_flag("--gateway", c.gateway,
                 "also start `sixfour gateway` in gw, so the laptop reaches IPv4 at once (stopped by `lab down`)");
  c.down = cmd->add_subcommand("down", "Remove the lab: its processes, namespaces, links and /etc/netns files.");
  add_prefix(c.down, c);
  c.demo = cmd->add_subcommand(
      "demo",
      "Build the lab, run the IPv6-only story step by step with real output, tear it down. Exit 0 only "
      "if every step worked.");
  add_prefix(c.demo, c);
  c.demo->add_flag("--keep", c.keep, "leave the lab up afterwards (remove it with `sixfour lab down`)");
  c.shell = cmd->add_subcommand("shell", "Run a shell, or the command after --, inside a node of the lab.");
  add_prefix(c.shell, c);
  c.shell->add_option("node", c.node, "laptop, gw, web4 or ds")->required()->check([](const std::string& n) {
    return lab::is_node(n) ? std::string() : fmt::format("no node \"{}\" (nodes: laptop, gw, web4, ds)", n);
  });
  c.shell->add_option("command", c.command, "command and arguments (after --)");
  // Started by the lab in web4 and ds; not for users.
  c.serve = cmd->add_subcommand("serve-http", "The lab's web server.");
  c.serve->group("");
  c.serve->add_option("addr", c.http_addr)->required();
  c.serve->add_option("port", c.http_port)->required();
  c.serve->add_option("name", c.http_name)->required();
  cmd->footer("Example: sudo sixfour lab demo");
  return cmd;
}

int run_lab_command() {
  LabCli& c = command_state<LabCli>();
  if (c.serve->parsed()) return io::lab_serve_http(c.http_addr, c.http_port, c.http_name);
  if (auto ok = lab::check_prefix(c.prefix); !ok) return config_error("sixfour lab", ok.error());
  if (c.up->parsed()) return io::lab_up(c.prefix, c.gateway);
  if (c.down->parsed()) return io::lab_down(c.prefix);
  if (c.demo->parsed()) return io::lab_demo(c.prefix, c.keep);
  if (c.shell->parsed()) return io::lab_shell(c.prefix, c.node, c.command);
  return 2;
}

[[maybe_unused]] const bool registered = register_command({60, add_lab, run_lab_command});

}  // namespace

}  // namespace sixfour::cli
