#include "nat64/settings.hpp"

#include <charconv>

#include <fmt/format.h>

namespace sixfour::nat64 {

namespace {

bool parse_port(std::string_view s, uint16_t& out) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v > 65535) return false;
  out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

Result<Pool4Entry> parse_pool4(std::string_view text) {
  Pool4Entry e;
  std::string_view addr = text;
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    addr = text.substr(0, colon);
    const std::string_view range = text.substr(colon + 1);
    const size_t dash = range.find('-');
    if (dash == std::string_view::npos || !parse_port(range.substr(0, dash), e.lo) ||
        !parse_port(range.substr(dash + 1), e.hi))
      return Error{fmt::format("pool4 {}: port range must be LO-HI with 0 <= LO <= HI <= 65535", text)};
    if (e.lo > e.hi) return Error{fmt::format("pool4 {}: port range is empty (LO > HI)", text)};
  }
  auto p = Ipv4Prefix::parse(addr);
  if (!p) return Error{fmt::format("pool4 {}: {}", text, p.error())};
  e.prefix = *p;
  return e;
}

Result<StaticBinding> parse_static(std::string_view text) {
  StaticBinding b;
  const size_t c1 = text.find(',');
  const size_t c2 = c1 == std::string_view::npos ? c1 : text.find(',', c1 + 1);
  if (c2 == std::string_view::npos || text.find(',', c2 + 1) != std::string_view::npos)
    return Error{fmt::format("static {}: expected PROTO,V4ADDR#PORT,V6ADDR#PORT", text)};
  const std::string_view proto = text.substr(0, c1);
  const std::string_view v4 = text.substr(c1 + 1, c2 - c1 - 1);
  const std::string_view v6 = text.substr(c2 + 1);
  if (proto == "tcp")
    b.proto = 6;
  else if (proto == "udp")
    b.proto = 17;
  else if (proto == "icmp")
    b.proto = 58;
  else
    return Error{fmt::format("static {}: protocol must be tcp, udp or icmp", text)};

  const size_t h4 = v4.rfind('#');
  const size_t h6 = v6.rfind('#');
  if (h4 == std::string_view::npos || h6 == std::string_view::npos)
    return Error{fmt::format("static {}: each address needs #PORT (the ICMP identifier for icmp)", text)};
  auto a4 = Ipv4Addr::parse(v4.substr(0, h4));
  if (!a4) return Error{fmt::format("static {}: {}", text, a4.error())};
  auto a6 = Ipv6Addr::parse(v6.substr(0, h6));
  if (!a6) return Error{fmt::format("static {}: {}", text, a6.error())};
  if (!parse_port(v4.substr(h4 + 1), b.port4) || !parse_port(v6.substr(h6 + 1), b.port6))
    return Error{fmt::format("static {}: port must be 0-65535", text)};
  b.addr4 = *a4;
  b.addr6 = *a6;
  return b;
}

}  // namespace sixfour::nat64
