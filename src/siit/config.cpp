#include "siit/config.hpp"

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "common/config_toml.hpp"

namespace sixfour::siit {

ConfigInput merge(ConfigInput base, const ConfigInput& over) {
  take(base.tun, over.tun);
  take(base.pool6, over.pool6);
  take(base.eam, over.eam);
  take(base.rfc6791, over.rfc6791);
  take(base.mtu, over.mtu);
  take(base.lowest_ipv6_mtu, over.lowest_ipv6_mtu);
  take(base.allow_non_global, over.allow_non_global);
  take(base.udp_zero_checksum, over.udp_zero_checksum);
  take(base.routes, over.routes);
  take(base.workers, over.workers);
  take(base.control, over.control);
  take(base.offload, over.offload);
  return base;
}

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  auto parsed = parse_toml_table(text, file);
  if (!parsed) return Error{parsed.error()};
  ConfigInput in;
  for (auto&& [k, node] : *parsed) {
    const TomlValue v{node, std::string(k.str()), file};
    Status st = Ok{};
    if (v.key() == "tun")
      st = v.as_string(in.tun);
    else if (v.key() == "pool6")
      st = v.as_string(in.pool6);
    else if (v.key() == "eam")
      st = v.as_list(in.eam);
    else if (v.key() == "rfc6791")
      st = v.as_list(in.rfc6791);
    else if (v.key() == "mtu")
      st = v.as_number(in.mtu);
    else if (v.key() == "lowest-ipv6-mtu")
      st = v.as_number(in.lowest_ipv6_mtu);
    else if (v.key() == "allow-non-global")
      st = v.as_bool(in.allow_non_global);
    else if (v.key() == "udp-zero-checksum")
      st = v.as_string(in.udp_zero_checksum);
    else if (v.key() == "routes")
      st = v.as_bool(in.routes);
    else if (v.key() == "workers")
      st = v.as_number(in.workers);
    else if (v.key() == "control")
      st = v.as_string(in.control);
    else if (v.key() == "offload")
      st = v.as_string(in.offload);
    else
      return v.unknown(
          "tun, pool6, eam, rfc6791, mtu, lowest-ipv6-mtu, allow-non-global, udp-zero-checksum, "
          "routes, workers, control, offload");
    if (!st) return Error{st.error()};
  }
  return in;
}

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/siit-{}.sock", tun); }

Result<DaemonConfig> validate(const ConfigInput& in) {
  DaemonConfig out;
  Settings& s = out.settings;

  if (in.tun.has()) {
    const std::string& t = *in.tun.value;
    // IFNAMSIZ is 16 including the terminating NUL; '/' and whitespace are refused by the kernel
    // (dev_valid_name), '%' would make the kernel pick a number.
    if (t.empty() || t.size() > 15)
      return Error{fail(in.tun.file, "tun", t, "interface name must be 1 to 15 characters")};
    if (t == "." || t == ".." || t.find_first_of("/:% \t\n") != std::string::npos)
      return Error{fail(in.tun.file, "tun", t, "not a valid interface name")};
    out.tun = t;
  }

  if (in.pool6.has()) {
    const std::string& v = *in.pool6.value;
    auto p = Ipv6Prefix::parse(v);
    if (!p) return Error{fail(in.pool6.file, "pool6", v, reason(p.error(), v))};
    if (!rfc6052::valid_length(p->len))
      return Error{fail(in.pool6.file, "pool6", v, "RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96")};
    auto q = rfc6052::parse_prefix(v);
    if (!q) return Error{fail(in.pool6.file, "pool6", v, reason(q.error(), v))};
    s.pool6 = *q;
  }

  if (in.eam.has()) {
    for (const std::string& v : *in.eam.value) {
      auto e = EamTable::parse(v);
      if (!e) return Error{fail(in.eam.file, "eam", v, reason(e.error(), v))};
      auto added = s.eam.add(*e);
      if (!added) return Error{fail(in.eam.file, "eam", v, reason(added.error(), v))};
    }
  }

  if (in.rfc6791.has()) {
    for (const std::string& v : *in.rfc6791.value) {
      auto p = Ipv4Prefix::parse(v);
      if (!p) return Error{fail(in.rfc6791.file, "rfc6791", v, reason(p.error(), v))};
      s.rfc6791.push_back(*p);
    }
  }

  if (!s.pool6 && s.eam.empty()) return Error{"at least one of --pool6 or --eam is required (nothing to translate)"};

  uint16_t mtu = kDefaultMtu;
  if (in.mtu.has()) {
    // The TUN carries IPv6, whose links must have an MTU of at least 1280 (RFC 8200 §5).
    auto v = parse_uint(*in.mtu.value, 1280, 65535);
    if (!v) return Error{fail(in.mtu.file, "mtu", *in.mtu.value, "must be a number from 1280 to 65535")};
    mtu = static_cast<uint16_t>(*v);
  }
  s.xlat.mtu4 = mtu;
  s.xlat.mtu6 = mtu;

  if (in.lowest_ipv6_mtu.has()) {
    auto v = parse_uint(*in.lowest_ipv6_mtu.value, 1280, 65535);
    if (!v)
      return Error{fail(in.lowest_ipv6_mtu.file, "lowest-ipv6-mtu", *in.lowest_ipv6_mtu.value,
                        "must be a number from 1280 to 65535")};
    s.xlat.lowest_ipv6_mtu = static_cast<uint16_t>(*v);
  }

  if (in.allow_non_global.has()) s.allow_non_global_wkp = *in.allow_non_global.value;

  if (in.udp_zero_checksum.has()) {
    const std::string& v = *in.udp_zero_checksum.value;
    if (v == "compute")
      s.xlat.compute_udp_zero_checksum = true;
    else if (v == "drop")
      s.xlat.compute_udp_zero_checksum = false;
    else
      return Error{fail(in.udp_zero_checksum.file, "udp-zero-checksum", v, "must be compute or drop")};
  }

  if (in.routes.has()) out.routes = *in.routes.value;

  if (in.workers.has()) {
    auto v = parse_uint(*in.workers.value, 1, kMaxWorkers);
    if (!v)
      return Error{fail(in.workers.file, "workers", *in.workers.value,
                        fmt::format("must be a number from 1 to {}", kMaxWorkers))};
    out.workers = *v;
  }

  if (in.offload.has()) {
    const std::string& v = *in.offload.value;
    if (v == "auto")
      out.offload = true;
    else if (v == "off")
      out.offload = false;
    else
      return Error{fail(in.offload.file, "offload", v, "must be auto or off")};
  }

  out.control = default_control_path(out.tun);
  if (in.control.has()) {
    const std::string& v = *in.control.value;
    // sun_path holds 108 bytes including the NUL.
    if (v.empty() || v.size() > 107)
      return Error{fail(in.control.file, "control", v, "socket path must be 1 to 107 characters")};
    out.control = v;
  }

  // The translator's own addresses (see self_address_rule).
  s.xlat.self4 = s.rfc6791.empty() ? Ipv4Addr{{192, 0, 0, 8}} : s.rfc6791.front().addr;
  if (s.pool6) {
    s.xlat.self6 = rfc6052::embed(*s.pool6, s.xlat.self4);
  } else if (auto m = s.eam.to_v6(s.xlat.self4)) {
    s.xlat.self6 = *m;
  } else {
    s.xlat.self6 = rfc6052::embed(rfc6052::kWellKnownPrefix, Ipv4Addr{{192, 0, 0, 8}});
  }
  return out;
}

std::string describe(const Settings& s) {
  std::string out;
  auto sep = [&] {
    if (!out.empty()) out += "; ";
  };
  if (s.pool6) out = "pool6 " + s.pool6->str();
  if (!s.eam.empty()) {
    sep();
    out += "EAM ";
    bool first = true;
    for (const Eam& e : s.eam.entries()) {
      if (!first) out += ", ";
      first = false;
      out += e.v6.str() + " <-> " + e.v4.str();
    }
  }
  if (!s.rfc6791.empty()) {
    sep();
    out += "RFC 6791 pool ";
    for (size_t i = 0; i < s.rfc6791.size(); ++i) out += (i ? ", " : "") + s.rfc6791[i].str();
  }
  return out;
}

}  // namespace sixfour::siit
