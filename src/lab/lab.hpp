// `sixfour lab`: the description of a small network of namespaces that tells the IPv6-only story
// (the topology, its addresses and routes, the DNS zone, the demo's steps) and the checks applied
// to the real output of the commands the demo runs. Pure: nothing here touches the system; src/io/
// lab*.cpp executes it.
//
//                       2001:db8:6::/64                    198.51.100.0/24
//   laptop  2001:db8:6::2 ---------- 2001:db8:6::1  gw  198.51.100.1 ---------- 198.51.100.2  web4
//   (IPv6 only)                      2001:db8:d5::1                            203.0.113.1   (IPv4 only,
//                                         |  2001:db8:d5::/64    203.0.113.0/24  |          NSD, HTTP)
//                                    2001:db8:d5::2 ------- ds ------- 203.0.113.2
//                                              (dual stack: HTTP, SOCKS proxy)
//
// In node X the interface towards node Y is called eth-Y. Only documentation addresses are used
// (RFC 3849 2001:db8::/32, RFC 5737 198.51.100.0/24 and 203.0.113.0/24); the DNS zone is under the
// reserved TLD .example (RFC 2606 §2). The gateway has exactly one IPv4 address, as a home router
// has, which `sixfour gateway` shares with its own kernel.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace sixfour::lab {

using Argv = std::vector<std::string>;

inline constexpr std::string_view kDefaultPrefix = "sixfour";
inline constexpr std::string_view kNodes[] = {"laptop", "gw", "web4", "ds"};
// Stands for the absolute path of the running sixfour executable in an Argv.
inline constexpr std::string_view kSelf = "{sixfour}";

// Addresses of the topology.
inline constexpr std::string_view kLaptop6 = "2001:db8:6::2";
inline constexpr std::string_view kGwInside6 = "2001:db8:6::1";
inline constexpr std::string_view kGw4 = "198.51.100.1";
inline constexpr std::string_view kWeb4 = "198.51.100.2";
inline constexpr std::string_view kWeb4Ds4 = "203.0.113.1";
inline constexpr std::string_view kDs4 = "203.0.113.2";
inline constexpr std::string_view kGwDs6 = "2001:db8:d5::1";
inline constexpr std::string_view kDs6 = "2001:db8:d5::2";
// The NAT64 prefix: the Well-Known Prefix (RFC 6052 §2.1), so the story shows the 64:ff9b::
// addresses a real network would. RFC 6052 §3.1 forbids it with non-global IPv4 addresses such as
// the documentation ranges; the lab's translator is told to allow them.
inline constexpr std::string_view kNat64Prefix = "64:ff9b::/96";
inline constexpr std::string_view kWeb4As6 = "64:ff9b::c633:6402";  // 64:ff9b::198.51.100.2

inline constexpr std::string_view kZone = "sixfour.example";
inline constexpr std::string_view kV4Name = "www.v4.sixfour.example";
inline constexpr std::string_view kV6Name = "www.v6.sixfour.example";
inline constexpr std::string_view kDsName = "www.ds.sixfour.example";
inline constexpr int kSocksPort = 1080;

// "PREFIX-NODE".
std::string ns_name(std::string_view prefix, std::string_view node);
bool is_node(std::string_view node);
// A namespace prefix must be a short plain word: it names files in /run/netns and /etc/netns.
Status check_prefix(std::string_view prefix);

// Every `ip` and `sysctl` command that builds the lab, in order, once the namespaces exist:
// each entry is (node or "" for the host, argv). Commands with a node run inside it.
struct Command {
  std::string node;
  Argv argv;
};
std::vector<Command> build_commands(std::string_view prefix);

// One ping per link fills the neighbour caches before the demo measures anything: the very first
// neighbour solicitation on a fresh veth can be lost, which would cost traceroute a hop.
std::vector<Command> settle_commands();

// The resolver each node uses (/etc/netns/NS/resolv.conf, which `ip netns exec` mounts over
// /etc/resolv.conf): the laptop asks the gateway's DNS64, everybody else the zone's server.
std::string resolv_conf(std::string_view node);

// The authoritative zones NSD serves in web4 and its configuration (every file in `dir`).
std::string zone_file();
std::string ipv4only_zone_file();  // RFC 7050 §2.2: ipv4only.arpa A 192.0.0.170 and .171
std::string nsd_conf(std::string_view dir);

// The page each web server answers with; `client` is the peer address it saw.
std::string http_body(std::string_view name, std::string_view client);

// Long-running processes the lab starts (kept running by `lab up`).
struct Service {
  std::string name;  // log file name and what the transcript calls it
  std::string node;
  Argv argv;
  // Ready when `ss -lnH` (tcp) / `ss -lunH` (udp) in the node lists this "ADDR:PORT".
  std::string proto;
  std::string listen;
};
std::vector<Service> services(std::string_view dir);

// ---------------------------------------------------------------------------------------------
// The demo.

enum class CheckKind {
  None,
  Contains,     // the output contains `arg`
  Empty,        // the output is empty
  AllInPrefix,  // every line is an IPv6 address inside prefix `arg`, and there is one at least
  Traceroute,   // hop 1 answers from `arg`, the last answered hop is `arg2`
};

struct Check {
  CheckKind kind = CheckKind::None;
  std::string arg, arg2;
};

// What the exit status must be: kAnyFailure means "not 0".
inline constexpr int kAnyFailure = -1;
// `sixfour doctor`'s exit code for "IPv6-only with NAT64 and DNS64" (docs/doctor.md).
inline constexpr int kDoctorNat64 = 10;
// ... and for "IPv6-only with 464XLAT": IPv4 goes through a CLAT.
inline constexpr int kDoctor464xlat = 14;
// The NAT64 prefix of the CLAT step: RFC 8215's local-use prefix. A CLAT keeps RFC 6052 §3.1 and
// sends no non-global IPv4 address, such as the lab's documentation ones, into 64:ff9b::/96.
inline constexpr std::string_view kClatPrefix = "64:ff9b:1::/96";
inline constexpr std::string_view kClatTun = "clat0";

struct Action {
  enum class Kind { Run, Start, Stop } kind = Kind::Run;
  std::string node;  // Stop: where the daemon runs
  Argv argv;         // Run, Start
  int want_rc = 0;   // Run
  Check check;       // Run
  std::string text;  // Run: the ✓ line; Start/Stop: the daemon's name
  // Start: ready when every probe's output (run in `node`) contains its text.
  std::vector<std::pair<Argv, std::string>> ready;
};

struct Step {
  std::string title;
  std::string story;
  std::vector<Action> actions;
};

struct DemoOptions {
  std::string dir;  // scratch directory (control sockets)
};
std::vector<Step> demo_steps(const DemoOptions& o);
// The Start actions of the gateway (step 2; also `lab up --gateway`).
std::vector<Action> gateway_start(const DemoOptions& o);
// The control socket of the laptop's `sixfour clat` (step 6): /run/sixfour/clat-lab-PREFIX.sock
// next to the scratch directory /run/sixfour/lab-PREFIX, where `sixfour doctor` looks for one.
std::string clat_control(const DemoOptions& o);

// Applies a check to a command's output; on failure `why` says what was expected and seen.
bool check_output(const Check& c, std::string_view out, std::string* why);

// "HOP ADDRESS" of every answered hop of `traceroute -n` output.
std::vector<std::pair<int, std::string>> traceroute_hops(std::string_view out);

// The command line as the transcript shows it: kSelf becomes "sixfour", arguments with spaces or
// shell metacharacters are single-quoted.
std::string display(const Argv& argv);

}  // namespace sixfour::lab
