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

}  // namespace

ConfigInput merge(ConfigInput b, const ConfigInput& o) {
  take(b.listen, o.listen);
  take(b.users, o.users);
  take(b.allow, o.allow);
  take(b.deny_private, o.deny_private);
  take(b.nat64_prefix, o.nat64_prefix);
  take(b.control, o.control);
  take(b.idle_timeout, o.idle_timeout);
  take(b.handshake_timeout, o.handshake_timeout);
  take(b.max_per_client, o.max_per_client);
  take(b.workers, o.workers);
  take(b.log_connections, o.log_connections);
  return b;
}

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  auto parsed = parse_toml_table(text, file, TomlStyle::MustBe);
  if (!parsed) return Error{parsed.error()};
  ConfigInput in;
  for (auto&& [k, node] : *parsed) {
    const TomlValue v{node, std::string(k.str()), file, TomlStyle::MustBe};
    Status st = Ok{};
    if (v.key() == "listen")
      st = v.as_list(in.listen);
    else if (v.key() == "users")
      st = v.as_string(in.users);
    else if (v.key() == "allow")
      st = v.as_list(in.allow);
    else if (v.key() == "deny-private")
      st = v.as_bool(in.deny_private);
    else if (v.key() == "nat64-prefix")
      st = v.as_string(in.nat64_prefix);
    else if (v.key() == "control")
      st = v.as_string(in.control);
    else if (v.key() == "idle-timeout")
      st = v.as_number(in.idle_timeout);
    else if (v.key() == "handshake-timeout")
      st = v.as_number(in.handshake_timeout);
    else if (v.key() == "max-per-client")
      st = v.as_number(in.max_per_client);
    else if (v.key() == "workers")
      st = v.as_number(in.workers);
    else if (v.key() == "log-connections")
      st = v.as_bool(in.log_connections);
    else
      return v.unknown(
          "listen, users, allow, deny-private, nat64-prefix, control, idle-timeout, "
          "handshake-timeout, max-per-client, workers, log-connections");
    if (!st) return Error{st.error()};
  }
  return in;
}

Result<Address> parse_listen(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error{"expected [IPV6]:PORT"};
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    auto a = Ipv6Addr::parse(host);
    if (!a) return Error{a.error()};
    auto p = parse_uint(port, 1, 65535);
    if (!p) return Error{"port must be 1..65535"};
    return Address::v6(a->b, static_cast<uint16_t>(*p));
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || text.find(':') != colon) return Error{"expected IPV4:PORT or [IPV6]:PORT"};
  auto a = Ipv4Addr::parse(text.substr(0, colon));
  if (!a) return Error{a.error()};
  auto p = parse_uint(text.substr(colon + 1), 1, 65535);
  if (!p) return Error{"port must be 1..65535"};
  return Address::v4(a->b, static_cast<uint16_t>(*p));
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
  if (in.workers.has()) {
    auto n = parse_uint(*in.workers.value, 0, 1024);
    if (!n) return Error{fail(in.workers.file, "workers", *in.workers.value, "must be 0 (one per core) .. 1024")};
    s.workers = *n;
  }
  if (in.log_connections.has()) s.log_connections = *in.log_connections.value;
  s.control = in.control.has() ? *in.control.value : default_control_path(s);
  return s;
}

}  // namespace sixfour::socks
