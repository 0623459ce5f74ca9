#include "cli/daemon.hpp"

#include <net/if.h>

#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sixfour::cli {

namespace {

bool sysctl_is_zero(const char* path) {
  std::ifstream f(path);
  int v = 1;
  return f && (f >> v) && v == 0;
}

}  // namespace

Result<io::TranslatorLink*> open_link_stage(io::Daemon& d, const std::string& tun, unsigned queues, bool offload,
                                            unsigned mtu) {
  auto link = io::open_translator_link(tun, queues, offload, mtu);
  if (!link) return Error{link.error()};
  const std::string name = link->tun.name();
  auto& kept =
      d.keep<io::TranslatorLink>(std::move(link).value(), [name](io::TranslatorLink&) { return name + " closed"; });
  return &kept;
}

io::RouteSet& routes_stage(io::Daemon& d, io::TranslatorLink& link) {
  return d.stage<io::RouteSet>(
      [](io::RouteSet& r) {
        const size_t n = r.added().size();
        r.clear();
        return fmt::format("{} route{} removed", n, n == 1 ? "" : "s");
      },
      link.nl, link.ifindex);
}

Status add_routes(io::RouteSet& routes, const std::vector<io::RoutePrefix>& want, const std::string& tun,
                  const std::string& hint) {
  for (const auto& p : want)
    if (auto st = routes.add(p); !st) return Error{fmt::format("{} (dev {}; {})", st.error(), tun, hint)};
  return Ok{};
}

std::string routes_text(bool asked, const io::RouteSet& routes) {
  if (!asked) return "routes: none (--no-routes)";
  std::vector<std::string> added;
  for (const auto& p : routes.added()) added.push_back(p.str());
  return "routes added: " + (added.empty() ? std::string("none") : fmt::format("{}", fmt::join(added, ", ")));
}

namespace {

Result<std::string> host_source(io::TranslatorLink& link, const std::function<void(Ipv4Addr)>& use) {
  auto h = link.nl.default_route_address4(link.ifindex);
  if (!h) return Error{fmt::format("icmp-source host: {} (give an address instead)", h.error())};
  char name[IF_NAMESIZE] = {};
  if (!::if_indextoname(static_cast<unsigned>(h->ifindex), name)) fmt::format_to(name, "#{}", h->ifindex);
  use(h->addr);
  return std::string(name);
}

Status accept_local(const std::string& tun) {
  const std::string path = fmt::format("/proc/sys/net/ipv4/conf/{}/accept_local", tun);
  std::ofstream f(path);
  if (!(f << "1\n") || !f.flush()) return Error{fmt::format("icmp-source: cannot write {}", path)};
  return Ok{};
}

}  // namespace

Result<std::string> apply_icmp_source(io::TranslatorLink& link, const IcmpSource& src, std::string_view default_rule,
                                      const std::function<void(Ipv4Addr)>& use, const xlat::Config& x) {
  std::string how(default_rule);
  if (src.kind == IcmpSource::Kind::Host) {
    auto ifname = host_source(link, use);
    if (!ifname) return Error{ifname.error()};
    how = "icmp-source host: " + *ifname;
  } else if (src.kind == IcmpSource::Kind::Address) {
    how = "icmp-source";
  }
  if (src.kind != IcmpSource::Kind::Default)
    if (auto st = accept_local(link.tun.name()); !st) return Error{st.error()};
  return fmt::format("own ICMP errors from {} and {} ({})", x.self4.str(), x.self6.str(), how);
}

std::string translating_on(const io::Tun& tun, unsigned mtu, unsigned workers, const std::string& steering,
                           bool offload) {
  return fmt::format("translating on {} (mtu {}, {} worker{}{}{}, offloads {})", tun.name(), mtu, workers,
                     workers == 1 ? "" : "s", steering.empty() ? "" : ", ", steering,
                     offload_text(offload, tun.vnet_hdr(), tun.offload_names()));
}

std::string offload_text(bool asked, bool vnet_hdr, const std::string& names) {
  if (!asked) return "off (--offload off)";
  if (!vnet_hdr) return "none (the kernel refused the virtio-net header)";
  return names;
}

std::vector<std::string> forwarding_warnings() {
  std::vector<std::string> out;
  if (sysctl_is_zero("/proc/sys/net/ipv4/ip_forward"))
    out.push_back("warning: net.ipv4.ip_forward is 0: translated IPv4 packets will not be forwarded");
  if (sysctl_is_zero("/proc/sys/net/ipv6/conf/all/forwarding"))
    out.push_back("warning: net.ipv6.conf.all.forwarding is 0: translated IPv6 packets will not be forwarded");
  return out;
}

CounterTable::CounterTable(const std::map<std::string, std::string>& kv, int label_w, int total_w, int worker_w)
    : kv_(kv), label_w_(label_w), total_w_(total_w), worker_w_(worker_w) {
  const std::string w = get("workers");
  workers_ = static_cast<unsigned>(std::stoul(w == "-" ? "0" : w));
}

std::string CounterTable::get(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? "-" : it->second;
}

std::string CounterTable::head() const {
  const std::string u = get("uptime_seconds");
  const uint64_t up = std::stoull(u == "-" ? "0" : u);
  std::string out = fmt::format("{}: {} worker{}, offloads {}, up {}h{:02}m{:02}s\n", get("tun"), workers_,
                                workers_ == 1 ? "" : "s", get("offloads"), up / 3600, up / 60 % 60, up % 60);
  out += fmt::format("{:<{}}{:>{}}", "", label_w_, "total", total_w_);
  if (workers_ > 1)
    for (unsigned w = 0; w < workers_; ++w) out += fmt::format("{:>{}}", fmt::format("worker {}", w), worker_w_);
  return out + '\n';
}

std::string CounterTable::row(const std::string& label, const std::string& key) const {
  std::string out = fmt::format("{:<{}}{:>{}}", label, label_w_, get(key), total_w_);
  if (workers_ > 1)
    for (unsigned w = 0; w < workers_; ++w)
      out += fmt::format("{:>{}}", get(fmt::format("per_worker.{}.{}", w, key)), worker_w_);
  return out + '\n';
}

std::string format_fast_path(const std::map<std::string, std::string>& kv) {
  auto at = [&kv](const std::string& key) {
    auto it = kv.find(key);
    return it == kv.end() ? std::string() : it->second;
  };
  const std::string state = at("fast_path.state");
  if (state.empty()) return "";
  if (state != "on") return fmt::format("fast path: off ({})\n", at("fast_path.reason"));
  std::string out = "fast path: eBPF on the TUN\n";
  const std::string prefix = "fast_path.counters.";
  out += fmt::format("  {:<22}{:>16}\n", "translated in kernel", at(prefix + "hit"));
  if (const std::string up = at(prefix + "hit_uplink"); !up.empty() && up != "0")
    out += fmt::format("  {:<22}{:>16}\n", "translated at uplinks", up);
  if (const std::string c = at(prefix + "route_cached"); !c.empty() && c != "0")
    out += fmt::format("  {:<22}{:>16}\n", "  next hop from cache", c);
  out += "  to the daemon, by reason:\n";
  for (auto it = kv.lower_bound(prefix); it != kv.end() && it->first.starts_with(prefix); ++it) {
    const std::string name = it->first.substr(prefix.size());
    if (name != "hit" && name != "hit_uplink" && name != "route_cached" && it->second != "0")
      out += fmt::format("    {:<20}{:>16}\n", name, it->second);
  }
  return out;
}

std::vector<SummaryField> translator_summary(bool sessions, const std::string& root) {
  std::vector<SummaryField> f;
  if (sessions)
    f.push_back(
        {"sessions", {root + "/state/sessions.tcp", root + "/state/sessions.udp", root + "/state/sessions.icmp"}});
  f.push_back({"packets translated", {root + "/out4", root + "/out6"}});
  f.push_back({"dropped", {root + "/dropped"}});
  return f;
}

std::string nat64_status_head(const nat64::Settings& s) {
  std::vector<std::string> pool;
  for (const nat64::Pool4Entry& p : s.pool4) pool.push_back(p.prefix.str());
  return fmt::format("prefix {}, pool4 {}", s.prefix.str(), fmt::join(pool, " "));
}

MetricsSchema translator_metrics(const std::string& daemon) {
  MetricsSchema m;
  m.daemon = daemon;
  m.gauges = {"workers",
              "uptime_seconds",
              "state/pool4.",
              "state/fragments.datagrams",
              "state/incoming-syn.stored",
              "state/incoming-syn.held",
              "dns64/threads",
              "dns64/uptime_seconds",
              "dns64/cache/entries",
              "dns64/cache/bytes",
              "clat/mtu",
              "clat/uplink_mtu",
              "clat/metric"};
  m.rules = {
      {"in4", "received_packets", "family", false, "ipv4"},    {"in6", "received_packets", "family", false, "ipv6"},
      {"out4", "translated_packets", "family", false, "ipv4"}, {"out6", "translated_packets", "family", false, "ipv6"},
      {"drops/", "dropped_packets", "reason", false, ""},      {"state/sessions.", "sessions", "proto", true, ""},
      {"state/bib.", "bib_entries", "proto", true, ""}};
  m.arrays = {{"per_worker", "worker", "worker_"}};
  return m;
}

}  // namespace sixfour::cli
