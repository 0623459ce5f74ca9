// The stages the TUN daemons (siit, nat64, gateway) share, on top of the daemon runtime
// (io/sys/daemon.hpp): the TUN device and its netlink socket, the routes into it, and the parts of
// their start lines that read the same.
#pragma once
#include <linux/capability.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/config_addr.hpp"
#include "common/prometheus.hpp"
#include "common/result.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/sys/daemon.hpp"
#include "io/sys/netlink.hpp"
#include "nat64/settings.hpp"
#include "xlat/config.hpp"

namespace sixfour::cli {

// What siit, nat64 and gateway keep after set-up (docs/hardening.md): CAP_NET_ADMIN to remove
// their routes, nftables table, forwarding sysctls and tc/BPF hooks on stop.
inline const std::vector<int> kTranslatorCaps = {CAP_NET_ADMIN};

// Opens the TUN device with `queues` queues, its MTU set and link up (io::open_translator_link),
// as a stage of `d` that says "NAME closed" when it stops.
Result<io::TranslatorLink*> open_link_stage(io::Daemon& d, const std::string& tun, unsigned queues, bool offload,
                                            unsigned mtu);

// The routes this daemon adds into the TUN: a stage that removes them on stop ("2 routes removed").
io::RouteSet& routes_stage(io::Daemon& d, io::TranslatorLink& link);

// Adds `want` in order; the error names the TUN and says what to do (`hint`, e.g. "remove the
// conflicting route or run with --no-routes").
Status add_routes(io::RouteSet& routes, const std::vector<io::RoutePrefix>& want, const std::string& tun,
                  const std::string& hint);

// "routes added: a, b" (or "none"), or "routes: none (--no-routes)".
std::string routes_text(bool asked, const io::RouteSet& routes);

// icmp-source at start. Host: the host's IPv4 address toward its IPv4 default route (not through
// the TUN) is found and handed to `use` (siit::use_icmp_source, nat64::use_icmp_source). Host or
// an address: the TUN accepts packets with a source address of this host (accept_local), which
// the translator's errors from such an address are when they re-enter the kernel through it.
// Returns the start line's "own ICMP errors from A and B (how)", read from `x` once `use` ran,
// `how` being "icmp-source host: IFACE", "icmp-source" or `default_rule`.
Result<std::string> apply_icmp_source(io::TranslatorLink& link, const IcmpSource& src, std::string_view default_rule,
                                      const std::function<void(Ipv4Addr)>& use, const xlat::Config& x);

// "translating on TUN (mtu M, N workers, offloads X)".
std::string translating_on(const io::Tun& tun, unsigned mtu, unsigned workers, const std::string& steering,
                           bool offload);

// The offloads in use for the start line ("csum,tso4,..." / "off (--offload off)" / "none (...)").
std::string offload_text(bool asked, bool vnet_hdr, const std::string& names);

// Warnings for the start line when a forwarding sysctl is off: translated packets re-enter the
// kernel on the TUN device and, unless they are for this host, the kernel must forward them.
std::vector<std::string> forwarding_warnings();

// What systemd's STATUS= shows of a translator (io::Daemon::status_from): sessions (NAT64 only),
// packets out of the translator, packets dropped; read from the "stats" reply under `root`.
std::vector<SummaryField> translator_summary(bool sessions, const std::string& root = "");

// The /metrics names of a translator's stats (siit, nat64, gateway, clat: `daemon`), see
// docs/packaging.md: translated_packets_total{family}, dropped_packets_total{reason},
// sessions{proto}, bib_entries{proto}, per-worker copies as worker_*{worker}.
MetricsSchema translator_metrics(const std::string& daemon);

// "prefix 2001:db8:64::/96, pool4 203.0.113.1".
std::string nat64_status_head(const nat64::Settings& s);

// The "fast path" lines of `siit stats` / `nat64 stats` from a flattened stats reply: state, packets
// translated in the kernel, and those handed to the daemon by reason (nonzero ones); "" if the
// reply has no fast_path member.
std::string format_fast_path(const std::map<std::string, std::string>& kv);

// The counters table `siit stats` and `nat64 stats` print from a flattened stats reply: a title
// ("TUN: N workers, offloads X, up 0h01m02s"), a header ("total", "worker 0", ...; per-worker
// columns only with more than one worker) and one row per counter.
class CounterTable {
 public:
  // Column widths: label, total, each worker.
  CounterTable(const std::map<std::string, std::string>& kv, int label_w, int total_w, int worker_w);
  std::string get(const std::string& key) const;  // "-" if absent
  std::string head() const;                       // title and header lines
  std::string row(const std::string& label, const std::string& key) const;

 private:
  const std::map<std::string, std::string>& kv_;
  int label_w_, total_w_, worker_w_;
  unsigned workers_;
};

}  // namespace sixfour::cli
