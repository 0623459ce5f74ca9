// Everything `sixfour doctor` observed on a host, the verdict drawn from it, and its renderings
// (text for people, JSON for scripts). Pure: src/io/doctor_* fill a Report; this file judges it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "doctor/address.hpp"
#include "doctor/prefix_discovery.hpp"

namespace sixfour::doctor {

enum class Grade { ok, slow, fail, skipped };
std::string_view grade_name(Grade g);

// ok below `slow_ms`, slow at or above it, fail when the attempt did not succeed.
Grade grade(bool success, double ms, double slow_ms);
inline bool works(Grade g) { return g == Grade::ok || g == Grade::slow; }

struct IfAddress {
  int family = 4;  // 4 or 6
  std::string address;
  uint8_t prefix_len = 0;
  AddrKind kind = AddrKind::other;
};

struct Interface {
  std::string name;
  int index = 0;
  bool up = false;
  bool loopback = false;
  unsigned mtu = 0;
  bool clat = false;  // named like a CLAT or holding a 192.0.0.0/29 address
  std::vector<IfAddress> addresses;
};

struct DefaultRoute {
  int family = 4;
  std::string gateway;  // empty for a device route
  std::string interface;
  uint32_t metric = 0;
};

struct Resolver {
  std::string address;  // IPv4 or IPv6 literal (an IPv6 link-local one may carry %scope)
  uint16_t port = 53;
  std::string source;  // "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf", "--resolver"
};

// One RFC 7050 query (AAAA ipv4only.arpa) to one resolver.
struct Rfc7050Query {
  std::string resolver;  // "ADDR port N"
  std::string status;    // "answer", "no AAAA", "NXDOMAIN", "SERVFAIL", "timeout", "error: ..."
  double ms = 0;
  rfc7050::Result result;
};

struct Pref64Seen {
  Pref64 value;
  std::string interface;
  std::string router;  // the RA's source address
};

struct Pref64Report {
  std::string status = "skipped";  // "visible", "not visible", "skipped"
  std::string how;                 // what was tried, or why it was skipped
  std::vector<Pref64Seen> seen;
};

// What a name probe learnt from DNS before connecting.
struct NameInfo {
  std::string resolver;
  std::string status;  // "answer", "NXDOMAIN", "timeout", ... for the AAAA and A queries together
  std::vector<std::string> a, aaaa;
  bool synthesized = false;  // some AAAA lies in a NAT64 prefix found by RFC 7050 (DNS64 at work)
  bool resolved() const { return !a.empty() || !aaaa.empty(); }
};

struct Probe {
  std::string id;      // ipv4_literal, ipv6_literal, ipv4_name, ipv6_name, dual_stack_name, nat64_literal, pmtu
  std::string label;   // "IPv4 literal", ...
  std::string target;  // what was probed
  Grade grade = Grade::skipped;
  double ms = 0;
  std::string detail;     // "connected to ...", "timeout", "network unreachable", why skipped
  std::string connected;  // the address the TCP connect reached, if any
  std::optional<NameInfo> name;
  std::string local;  // the connection's own address (the interface it left by): CLAT report only
};

// A CLAT on the host (464XLAT, RFC 6877): the interface of an IPv4 default route that holds an
// address of 192.0.0.0/29 (RFC 7335), whoever runs it (sixfour clat, clatd, NetworkManager), or a
// `sixfour clat` that answered on its control socket (then even while it is inactive).
struct ClatReport {
  std::string interface;
  std::string ipv4;            // its 192.0.0.0/29 address
  bool default_route = false;  // it carries the IPv4 default route with the lowest metric
  bool sixfour = false;        // a `sixfour clat` answered `status` for this interface
  std::string control;         // the socket that answered
  // From `sixfour clat status` (empty for another CLAT):
  std::string state, reason, prefix, prefix_source, address_mode, ipv6;
  unsigned mtu = 0;
};

// The CLAT the routes show: the IPv4 default route with the lowest metric whose interface holds a
// 192.0.0.0/29 address. nullopt when there is none.
std::optional<ClatReport> find_clat(const std::vector<Interface>& ifs, const std::vector<DefaultRoute>& routes);

// Reads a `sixfour clat status` reply into `c` (a sixfour CLAT's status JSON: state, tun, prefix...).
// False, `c` untouched, when the reply is not one, or is about another TUN than c.interface (when
// that is set).
bool read_clat_status(ClatReport& c, std::string_view reply, const std::string& control);

// Whether the IPv4 literal probe went through the CLAT: it left from the CLAT's IPv4 address.
bool via_clat(const ClatReport& c, const Probe* ipv4_literal);

struct Verdict {
  std::string id;
  int exit_code = 0;
  std::string sentence;
};

struct Report {
  bool offline = false;
  int timeout_ms = 0;
  int slow_ms = 0;
  uint16_t port = 0;
  std::vector<Interface> interfaces;
  std::vector<DefaultRoute> routes;
  std::vector<Resolver> resolvers;
  std::vector<std::string> clat_evidence;  // "interface clat4", "address 192.0.0.4 on v4-wlan0"
  std::optional<ClatReport> clat;          // the CLAT that carries IPv4, or a sixfour clat that runs
  std::vector<Rfc7050Query> rfc7050;
  Pref64Report pref64;
  std::vector<Probe> probes;
  Verdict verdict;

  const Probe* probe(std::string_view id) const;
  // Every NAT64 prefix learnt (RFC 7050 answers first, then PREF64), distinct.
  std::vector<Ipv6Prefix> nat64_prefixes() const;
  std::vector<Ipv6Prefix> rfc7050_prefixes() const;
};

// The verdict table (docs/doctor.md): each verdict has its own exit code.
//   0 dual_stack  10 ipv6_only_nat64  11 ipv6_only_no_nat64  12 ipv4_only  13 no_connectivity
//   14 ipv6_only_464xlat  15 ipv6_only_nat64_no_dns64  16 ipv6_only_dns64_no_nat64  17 dns_broken
//   18 ipv6_only (configuration only, --offline)
Verdict decide(const Report& r);

std::string render_text(const Report& r);
std::string render_json(const Report& r);

}  // namespace sixfour::doctor
