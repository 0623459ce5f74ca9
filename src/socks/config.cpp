#include "socks/config.hpp"

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "common/config_toml.hpp"

namespace sixfour::socks {

namespace {

std::string fail(const std::string& file, std::string_view key, std::string_view value, std::string_view why) {
  if (file.empty()) return fmt::format("--{} \"{}\": {}", key, value, why);
  return fmt::format("{}: {} = \"{}\": {}", file, key, value, why);
}

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    list("listen", &In::listen, "ADDR:PORT", "127.0.0.1:1080 and [::1]:1080",
         "address to listen on, IPV4:PORT or [IPV6]:PORT"),
    text("users", &In::users, "FILE", "",
         "require RFC 1929 username/password; FILE has user:hash lines (hash from `sixfour socks hash-password`)"),
    list("allow", &In::allow, "CIDR", "loopback and this host's own networks, or everyone when --users is set",
         "only clients inside these prefixes"),
    flag("deny-private", &In::deny_private, "refuse targets in loopback, RFC 1918, link-local, ULA and similar ranges"),
    text("nat64-prefix", &In::nat64_prefix, "PREFIX|auto", "off",
         "reach IPv4 targets through PREFIX::a.b.c.d too (RFC 6052), or discover the prefix with ipv4only.arpa "
         "(RFC 7050)"),
    text("control", &In::control, "PATH", "/run/sixfour/socks-PORT.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping no capability "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with no capability"),
    number("idle-timeout", &In::idle_timeout, "SECONDS", "300", "close relays idle this long"),
    number("handshake-timeout", &In::handshake_timeout, "SECONDS", "10",
           "drop clients that do not finish the handshake in time"),
    number("max-per-client", &In::max_per_client, "N", "256",
           "concurrent connections per client address, 0 = no limit"),
    number("workers", &In::workers, "N", "one per core", "threads, 0 = one per core"),
    flag("log-connections", &In::log_connections, "log client, target, bytes and duration of each connection"),
    number("max-handshakes-per-client", &In::max_handshakes_per_client, "N", "16",
           "handshakes in progress per client address; over it the client's oldest one is closed "
           "(slowloris), established relays are never touched; 0 = no limit"),
};

}  // namespace

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file, TomlStyle::MustBe);
}

Result<Address> parse_listen(std::string_view text) {
  auto hp = HostPort::parse(text);
  if (!hp) return Error{hp.error()};
  return hp->v6 ? Address::v6(hp->a6.b, hp->port) : Address::v4(hp->a4.b, hp->port);
}

std::string default_control_path(const Settings& s) {
  return fmt::format("/run/sixfour/socks-{}.sock", s.listen.empty() ? 1080 : s.listen.front().port);
}

Result<Settings> validate(const ConfigInput& in) {
  Settings s;
  std::vector<std::string> listen;
  if (in.listen.has() && !in.listen.value->empty()) {
    listen = *in.listen.value;
  } else {
    listen.assign(std::begin(kDefaultListen), std::end(kDefaultListen));
    s.listen_defaulted = true;
  }
  for (const std::string& v : listen) {
    auto a = parse_listen(v);
    if (!a) return Error{fail(in.listen.file, "listen", v, a.error())};
    for (const Address& e : s.listen)
      if (e == *a) return Error{fail(in.listen.file, "listen", v, "listed twice")};
    s.listen.push_back(*a);
  }
  if (in.users.has()) {
    if (in.users.value->empty()) return Error{fail(in.users.file, "users", "", "empty file name")};
    s.users_file = *in.users.value;
  }
  if (in.allow.has()) {
    for (const std::string& v : *in.allow.value) {
      auto p = IpPrefix::parse(v);
      if (!p) return Error{fail(in.allow.file, "allow", v, p.error())};
      s.allow.push_back(*p);
    }
  }
  if (in.deny_private.has()) s.deny_private = *in.deny_private.value;
  if (in.nat64_prefix.has()) {
    const std::string& v = *in.nat64_prefix.value;
    if (v == "auto") {
      s.nat64_mode = Nat64Mode::Auto;
    } else if (v != "off") {
      auto p = rfc6052::parse_prefix(v);
      if (!p) return Error{fail(in.nat64_prefix.file, "nat64-prefix", v, p.error())};
      s.nat64_mode = Nat64Mode::Fixed;
      s.nat64 = *p;
    }
  }
  auto seconds = [&](const Given<std::string>& g, std::string_view key, std::chrono::seconds& dst) -> Status {
    if (!g.has()) return Ok{};
    auto n = parse_uint(*g.value, 1, 86400 * 7);
    if (!n) return Error{fail(g.file, key, *g.value, "must be 1..604800 seconds")};
    dst = std::chrono::seconds(*n);
    return Ok{};
  };
  if (auto st = seconds(in.idle_timeout, "idle-timeout", s.idle_timeout); !st) return Error{st.error()};
  if (auto st = seconds(in.handshake_timeout, "handshake-timeout", s.handshake_timeout); !st) return Error{st.error()};
  if (in.max_per_client.has()) {
    auto n = parse_uint(*in.max_per_client.value, 0, 1000000);
    if (!n)
      return Error{
          fail(in.max_per_client.file, "max-per-client", *in.max_per_client.value, "must be 0 (no limit) .. 1000000")};
    s.max_per_client = *n;
  }
  if (auto st = set_uint(in.max_handshakes_per_client, "max-handshakes-per-client", 0, 1000000,
                         "must be 0 (no limit) .. 1000000", s.max_handshakes_per_client);
      !st)
    return Error{st.error()};
  if (in.workers.has()) {
    auto n = parse_uint(*in.workers.value, 0, 1024);
    if (!n) return Error{fail(in.workers.file, "workers", *in.workers.value, "must be 0 (one per core) .. 1024")};
    s.workers = *n;
  }
  if (in.log_connections.has()) s.log_connections = *in.log_connections.value;
  s.control = in.control.has() ? *in.control.value : default_control_path(s);
  if (auto st = set_run_as(in.user, s.run_as); !st) return Error{st.error()};
  if (auto st = set_metrics(in.metrics, "metrics", s.metrics); !st) return Error{st.error()};
  return s;
}

ConfigInput to_input(const Settings& s) {
  ConfigInput in;
  if (!s.listen_defaulted) in.listen.set(str_list(s.listen));
  if (!s.users_file.empty()) in.users.set(s.users_file);
  if (!s.allow.empty()) in.allow.set(str_list(s.allow));  // empty: the default (see the setting)
  in.deny_private.set(s.deny_private);
  in.nat64_prefix.set(s.nat64_mode == Nat64Mode::Auto    ? "auto"
                      : s.nat64_mode == Nat64Mode::Fixed ? s.nat64->str()
                                                         : "off");
  in.control.set(s.control);
  put_run_as(s.run_as, in.user);
  if (s.metrics) in.metrics.set(s.metrics->str());
  in.idle_timeout.set(std::to_string(s.idle_timeout.count()));
  in.handshake_timeout.set(std::to_string(s.handshake_timeout.count()));
  in.max_per_client.set(std::to_string(s.max_per_client));
  in.max_handshakes_per_client.set(std::to_string(s.max_handshakes_per_client));
  in.workers.set(std::to_string(s.workers));
  in.log_connections.set(s.log_connections);
  return in;
}

std::string render_toml(const Settings& s) {
  return sixfour::render_toml(settings(), to_input(s),
                              {"# sixfour socks: effective configuration (usable as --config)\n"});
}

}  // namespace sixfour::socks
