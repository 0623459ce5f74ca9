// Everything `sixfour siit` is configured with, validated once (from CLI flags or a TOML file).
#pragma once
#include <optional>
#include <vector>

#include "addr/eam.hpp"
#include "addr/ip.hpp"
#include "xlat/config.hpp"

namespace sixfour::siit {

struct Settings {
  std::optional<Ipv6Prefix> pool6;    // RFC 6052 prefix (RFC 7915 §1.3 / RFC 6145 "pool6")
  bool allow_non_global_wkp = false;  // RFC 6052 §3.1 check switched off for 64:ff9b::/96
  EamTable eam;                       // RFC 7757
  std::vector<Ipv4Prefix> rfc6791;    // RFC 6791 pool for untranslatable ICMPv6 error sources
  xlat::Config xlat;
};

}  // namespace sixfour::siit
