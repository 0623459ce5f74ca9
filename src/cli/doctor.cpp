// `sixfour doctor`: what kind of network is this host on, what works, and what to do about it.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "dns64/message.hpp"
#include "io/doctor/doctor.hpp"

namespace sixfour::cli {

namespace {

struct DoctorCli {
  bool json = false, offline = false;
  int timeout = 2000, slow = 500, port = 443, pref64_wait = 1000;
  std::vector<std::string> resolvers;
  std::string v4_literal, v6_literal, v4_name, v6_name, ds_name;
  CLI::Option *o_v4l, *o_v6l, *o_v4n, *o_v6n, *o_dsn;
};

CLI::App* add_doctor(CLI::App& app) {
  DoctorCli& c = command_state<DoctorCli>();
  const io::DoctorOptions d;
  CLI::App* s = app.add_subcommand(
      "doctor", "Report this host's IPv4/IPv6 setup, NAT64 prefix discovery and reachability, with a verdict.");
  s->add_flag("--json", c.json, "print the report as JSON");
  s->add_flag("--offline", c.offline, "send nothing: report interfaces, routes, resolvers and a verdict from them");
  s->add_option("--timeout", c.timeout, "per-probe timeout (default 2000)")
      ->type_name("MS")
      ->check(CLI::Range(1, 60000));
  s->add_option("--slow", c.slow, "a probe taking this long or longer is graded slow (default 500)")
      ->type_name("MS")
      ->check(CLI::Range(1, 60000));
  s->add_option("--resolver", c.resolvers,
                "query this resolver instead of the system's (repeatable): IPV4[:PORT], IPV6 or [IPV6]:PORT")
      ->type_name("ADDR[:PORT]");
  s->add_option("--port", c.port, "TCP port of the reachability probes (default 443)")
      ->type_name("N")
      ->check(CLI::Range(1, 65535));
  c.o_v4l =
      s->add_option("--v4-literal", c.v4_literal, fmt::format("IPv4 address to connect to (default {})", d.v4_literal))
          ->type_name("IP");
  c.o_v6l =
      s->add_option("--v6-literal", c.v6_literal, fmt::format("IPv6 address to connect to (default {})", d.v6_literal))
          ->type_name("IP");
  c.o_v4n = s->add_option("--v4-name", c.v4_name, fmt::format("a name with only A records (default {})", d.v4_name))
                ->type_name("NAME");
  c.o_v6n = s->add_option("--v6-name", c.v6_name, fmt::format("a name with only AAAA records (default {})", d.v6_name))
                ->type_name("NAME");
  c.o_dsn =
      s->add_option("--ds-name", c.ds_name, fmt::format("a name with both (default {})", d.ds_name))->type_name("NAME");
  s->add_option("--pref64-wait", c.pref64_wait, "how long to wait for router advertisements (default 1000)")
      ->type_name("MS")
      ->check(CLI::Range(0, 60000));
  // A later flag overrides an earlier one (scripts append their overrides to common flags).
  for (CLI::Option* opt : s->get_options())
    if (opt->get_name() != "--resolver" && opt->get_expected_max() == 1)
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  s->footer(
      "Exit codes: 0 dual_stack, 10 ipv6_only_nat64, 11 ipv6_only_no_nat64, 12 ipv4_only, 13 no_connectivity,\n"
      "14 ipv6_only_464xlat, 15 ipv6_only_nat64_no_dns64, 16 ipv6_only_dns64_no_nat64, 17 dns_broken,\n"
      "18 ipv6_only (--offline), 1 runtime error, 2 bad usage. An empty target (--v4-name '') skips that probe.");
  return s;
}

// "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353", "fe80::1%eth0".
Result<doctor::Resolver> parse_resolver(const std::string& text) {
  doctor::Resolver r;
  r.source = "--resolver";
  std::string addr = text, port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return Error{fmt::format("--resolver \"{}\": no closing ']'", text)};
    addr = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return Error{fmt::format("--resolver \"{}\": expected ':PORT' after ']'", text)};
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    addr = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  }
  const std::string bare = addr.substr(0, addr.find('%'));
  const bool is6 = addr.find(':') != std::string::npos;
  if (is6 ? !Ipv6Addr::parse(bare).ok() : !Ipv4Addr::parse(bare).ok())
    return Error{fmt::format("--resolver \"{}\": not an IPv4 or IPv6 address", text)};
  if (!is6 && addr.find('%') != std::string::npos)
    return Error{fmt::format("--resolver \"{}\": not an IPv4 or IPv6 address", text)};
  r.address = addr;
  if (!port.empty()) {
    unsigned v = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9' || v > 65535) return Error{fmt::format("--resolver \"{}\": bad port", text)};
      v = v * 10 + static_cast<unsigned>(ch - '0');
    }
    if (v == 0 || v > 65535) return Error{fmt::format("--resolver \"{}\": bad port", text)};
    r.port = static_cast<uint16_t>(v);
  }
  return r;
}

int run_doctor_command() {
  const DoctorCli& c = command_state<DoctorCli>();
  io::DoctorOptions o;
  o.offline = c.offline;
  o.timeout_ms = c.timeout;
  o.slow_ms = c.slow;
  o.port = static_cast<uint16_t>(c.port);
  o.pref64_listen_ms = c.pref64_wait;
  for (const std::string& t : c.resolvers) {
    auto r = parse_resolver(t);
    if (!r) return config_error("sixfour doctor", r.error());
    o.resolvers.push_back(*r);
  }
  if (c.o_v4l->count()) {
    if (!c.v4_literal.empty() && !Ipv4Addr::parse(c.v4_literal))
      return config_error("sixfour doctor", fmt::format("--v4-literal \"{}\": not an IPv4 address", c.v4_literal));
    o.v4_literal = c.v4_literal;
  }
  if (c.o_v6l->count()) {
    if (!c.v6_literal.empty() && !Ipv6Addr::parse(c.v6_literal))
      return config_error("sixfour doctor", fmt::format("--v6-literal \"{}\": not an IPv6 address", c.v6_literal));
    o.v6_literal = c.v6_literal;
  }
  struct NameOpt {
    CLI::Option* opt;
    const char* flag;
    const std::string& value;
    std::string& target;
  } names[] = {{c.o_v4n, "--v4-name", c.v4_name, o.v4_name},
               {c.o_v6n, "--v6-name", c.v6_name, o.v6_name},
               {c.o_dsn, "--ds-name", c.ds_name, o.ds_name}};
  for (NameOpt& n : names) {
    if (!n.opt->count()) continue;
    if (!n.value.empty()) {
      auto w = dns64::name_from_text(n.value);
      if (!w) return config_error("sixfour doctor", fmt::format("{} \"{}\": {}", n.flag, n.value, w.error()));
    }
    n.target = n.value;
  }

  doctor::Report r;
  try {
    r = io::run_doctor(o);
  } catch (const std::exception& e) {  // e.g. no thread could be started for the probes
    std::fprintf(stderr, "sixfour doctor: %s\n", e.what());
    return 1;
  }
  const std::string out = c.json ? doctor::render_json(r) : doctor::render_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return r.verdict.exit_code;
}

[[maybe_unused]] const bool registered = register_command({70, add_doctor, run_doctor_command});

}  // namespace

}  // namespace sixfour::cli
