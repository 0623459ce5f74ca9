// The stages the TUN daemons (siit, nat64, gateway) share, on top of the daemon runtime
// (io/sys/daemon.hpp): the TUN device and its netlink socket, the routes into it, and the parts of
// their start lines that read the same.
#pragma once
#include <string>
#include <vector>

#include "common/result.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/sys/daemon.hpp"
#include "io/sys/netlink.hpp"

namespace sixfour::cli {

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

// "translating on TUN (mtu M, N workers, offloads X)".
std::string translating_on(const io::Tun& tun, unsigned mtu, unsigned workers, bool offload);

// The offloads in use for the start line ("csum,tso4,..." / "off (--offload off)" / "none (...)").
std::string offload_text(bool asked, bool vnet_hdr, const std::string& names);

// Warns (log) when a forwarding sysctl is off: translated packets re-enter the kernel on the TUN
// device and, unless they are for this host, the kernel must forward them.
void warn_if_not_forwarding();

}  // namespace sixfour::cli
