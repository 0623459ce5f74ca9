// The CLAT (464XLAT) `sixfour doctor` reports: which interface carries IPv4 through one, and what a
// `sixfour clat` says about itself on its control socket.
#include <nlohmann/json.hpp>

#include "doctor/report.hpp"

namespace sixfour::doctor {

std::optional<ClatReport> find_clat(const std::vector<Interface>& ifs, const std::vector<DefaultRoute>& routes) {
  const DefaultRoute* best = nullptr;
  for (const DefaultRoute& d : routes)
    if (d.family == 4 && (!best || d.metric < best->metric)) best = &d;
  if (!best) return std::nullopt;
  for (const Interface& i : ifs) {
    if (i.name != best->interface) continue;
    for (const IfAddress& a : i.addresses) {
      if (a.family != 4 || a.kind != AddrKind::clat4) continue;
      ClatReport c;
      c.interface = i.name;
      c.ipv4 = a.address;
      c.default_route = true;
      return c;
    }
  }
  return std::nullopt;
}

namespace {

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool read_clat_status(ClatReport& c, std::string_view reply, const std::string& control) {
  const nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
  if (!j.is_object() || !j.contains("state") || !j.contains("tun") || j.contains("error")) return false;
  const std::string tun = text_of(j, "tun");
  if (tun.empty() || (!c.interface.empty() && tun != c.interface)) return false;
  c.interface = tun;
  c.sixfour = true;
  c.control = control;
  c.state = text_of(j, "state");
  c.reason = text_of(j, "reason");
  c.prefix = text_of(j, "prefix");
  c.prefix_source = text_of(j, "prefix_source");
  c.address_mode = text_of(j, "address_mode");
  c.ipv6 = text_of(j, "ipv6");
  if (c.ipv4.empty()) c.ipv4 = text_of(j, "ipv4");
  auto mtu = j.find("mtu");
  if (mtu != j.end() && mtu->is_number_unsigned()) c.mtu = mtu->get<unsigned>();
  return true;
}

bool via_clat(const ClatReport& c, const Probe* p) {
  return p && works(p->grade) && !c.ipv4.empty() && p->local == c.ipv4;
}

}  // namespace sixfour::doctor
