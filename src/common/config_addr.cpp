#include "common/config_addr.hpp"

#include "addr/rfc6052.hpp"

namespace sixfour {

Status set_rfc6052_prefix(const Given<std::string>& g, std::string_view key, Ipv6Prefix& dst) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  auto p = Ipv6Prefix::parse(v);
  if (!p) return Error{fail(g.file, key, v, reason(p.error(), v))};
  if (!rfc6052::valid_length(p->len))
    return Error{fail(g.file, key, v, "RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96")};
  auto q = rfc6052::parse_prefix(v);
  if (!q) return Error{fail(g.file, key, v, reason(q.error(), v))};
  dst = *q;
  return Ok{};
}

std::string IcmpSource::str() const {
  switch (kind) {
    case Kind::Host:
      return "host";
    case Kind::Address:
      return addr.str();
    default:
      return "";
  }
}

Status set_icmp_source(const Given<std::string>& g, std::string_view key, IcmpSource& dst) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  if (v == "host") {
    dst = {IcmpSource::Kind::Host, {}};
    return Ok{};
  }
  auto a = Ipv4Addr::parse(v);
  if (!a) return Error{fail(g.file, key, v, "must be host or an IPv4 address")};
  const uint8_t first = a->b[0];
  if (first == 0 || first == 127 || is_multicast(*a) || is_limited_broadcast(*a))
    return Error{fail(g.file, key, v, "must be a unicast address another host can send to")};
  dst = {IcmpSource::Kind::Address, *a};
  return Ok{};
}

Status set_translator_limits(const Given<std::string>& lowest_ipv6_mtu, const Given<std::string>& icmp_rate,
                             const Given<std::string>& icmp_rate_per_destination, xlat::Config& x) {
  if (auto st = set_uint(lowest_ipv6_mtu, "lowest-ipv6-mtu", 1280, 65535, "must be a number from 1280 to 65535",
                         x.lowest_ipv6_mtu);
      !st)
    return st;
  x.icmp_errors_per_second = xlat::Config::kDefaultIcmpRate;
  if (auto st =
          set_uint(icmp_rate, "icmp-rate", 0, 1000000, "must be a number from 0 to 1000000", x.icmp_errors_per_second);
      !st)
    return st;
  return set_uint(icmp_rate_per_destination, "icmp-rate-per-destination", 0, 1000000,
                  "must be a number from 0 to 1000000", x.icmp_errors_per_destination);
}

Status set_fast_path(const Given<std::string>& g, std::string_view key, FastPathMode& dst) {
  if (!g.has()) return Ok{};
  for (FastPathMode m : {FastPathMode::Auto, FastPathMode::Tun, FastPathMode::Off}) {
    if (*g.value == str(m)) {
      dst = m;
      return Ok{};
    }
  }
  return Error{fail(g.file, key, *g.value, "must be auto, tun or off")};
}

std::string_view str(FastPathMode m) {
  switch (m) {
    case FastPathMode::Off:
      return "off";
    case FastPathMode::Tun:
      return "tun";
    case FastPathMode::Auto:
      break;
  }
  return "auto";
}

}  // namespace sixfour
