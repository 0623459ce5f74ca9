// `sixfour doctor`: what the host's network looks like and what it reaches. This is the I/O half
// (interfaces, routes, resolvers, DNS queries, TCP connects, ICMP echoes, router advertisements);
// src/doctor judges what it collects.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "doctor/report.hpp"
#include "io/sys/dns_client.hpp"

namespace sixfour::io {

// The defaults are well-known public targets (docs/doctor.md); tests override every one of them.
struct DoctorOptions {
  bool offline = false;
  int timeout_ms = 2000;
  int slow_ms = 500;
  uint16_t port = 443;
  std::vector<doctor::Resolver> resolvers;  // empty: the system's (resolv.conf, systemd-resolved)
  std::string v4_literal = "1.1.1.1";
  std::string v6_literal = "2606:4700:4700::1111";
  std::string v4_name = "ipv4.google.com";
  std::string v6_name = "ipv6.google.com";
  std::string ds_name = "www.google.com";
  int pref64_listen_ms = 1000;  // how long to wait for router advertisements
};

// --- system state (system.cpp; the name servers: io/sys/dns_client.hpp) ---
std::vector<doctor::Interface> doctor_interfaces();
Result<std::vector<doctor::DefaultRoute>> doctor_default_routes();

// --- network (doctor_net.cpp) ---
struct ConnectResult {
  bool reached = false;  // connected, or refused (a RST proves the path works)
  double ms = 0;
  std::string detail;
  std::string local;  // the address the connection left from
};
ConnectResult tcp_connect(const std::string& address, uint16_t port, int timeout_ms);

// ICMP echo of 64, 1280 and 1500-byte packets with DF to `address` (raw socket when permitted,
// else an unprivileged ping socket): the probe grade comes from the 1280-byte packet.
doctor::Probe pmtu_probe(const std::string& address, int timeout_ms, int slow_ms);

// RFC 8781 PREF64 from router advertisements: listens to RTNLGRP_ND_USEROPT (what the kernel
// passes on from RAs it accepts) and, when a raw ICMPv6 socket is permitted, sends a Router
// Solicitation on every IPv6 interface and reads the advertisements itself.
doctor::Pref64Report pref64_listen(const std::vector<doctor::Interface>& ifs, int listen_ms);

// --- the CLAT (clat.cpp) ---
// The CLAT the routes show (doctor::find_clat), told apart as a `sixfour clat` when one in this
// network namespace answers `status` on its control socket (the default path of that interface,
// or any /run/sixfour/clat-*.sock); a sixfour clat without the IPv4 default route is reported too.
std::optional<doctor::ClatReport> doctor_clat(const std::vector<doctor::Interface>& ifs,
                                              const std::vector<doctor::DefaultRoute>& routes);

// Everything, then the verdict.
doctor::Report run_doctor(const DoctorOptions& o);

}  // namespace sixfour::io
