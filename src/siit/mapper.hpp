// The SIIT address mapping (RFC 7915 §1.3 with RFC 7757): EAM first, then pool6 (RFC 6052); the
// RFC 6791 pool for ICMPv6 errors from IPv6 routers whose source cannot be translated.
#pragma once
#include "siit/settings.hpp"
#include "xlat/mapper.hpp"

namespace sixfour::siit {

class SiitMapper final : public xlat::Mapper {
 public:
  explicit SiitMapper(const Settings& s) : s_(s) {}
  xlat::MapStatus map_4to6(const xlat::Flow4& in, xlat::Part part, xlat::Flow6& out) override;
  xlat::MapStatus map_6to4(const xlat::Flow6& in, xlat::Part part, xlat::Flow4& out) override;

  // RFC 7757 §4 hairpinning: set while translating the IPv4 packet produced from an IPv6 packet back
  // to IPv6 (its source then maps through pool6 only).
  void set_hairpin(bool on) { hairpin_ = on; }

 private:
  const Settings& s_;
  bool hairpin_ = false;
};

}  // namespace sixfour::siit
