// RFC 7915 both ways through `sixfour siit`'s translator (siit::Translator), with a pool6 and an
// RFC 7757 EAM table. Input: one byte choosing the settings (below), then one packet of either
// family, as the TUN hands it over. Whatever the packet, the output passes fuzz/packet_checks.hpp;
// a Forward of a non-hairpinned packet comes out in the other family.
#include <array>
#include <memory>
#include <vector>

#include "addr/rfc6052.hpp"
#include "packet_checks.hpp"
#include "siit/translator.hpp"

using namespace sixfour;

namespace {

// Settings byte: bit 0 the pool6 (2001:db8:64::/96, or 64:ff9b::/96 with RFC 6052 §3.1's check),
// bits 1-2 hop_change (-1, 0, +1), bit 3 ICMP errors off, bit 4 TOS/Traffic Class reset, bit 5 a
// small MTU (1280 both ways: fragmentation and Packet Too Big), bit 6 UDP zero checksum dropped.
siit::Settings settings(uint8_t knobs) {
  siit::Settings s;
  s.pool6 = rfc6052::parse_prefix((knobs & 1) ? "64:ff9b::/96" : "2001:db8:64::/96").value();
  for (const char* e : {"2001:db8:a::/120=198.51.100.0/24", "2001:db8:b::2=192.0.2.2", "2001:db8:c::/96=203.0.113.0/24",
                        "2001:db8:d::/64=192.0.2.128/26"})
    (void)s.eam.add(EamTable::parse(e).value());
  s.rfc6791 = {Ipv4Prefix::parse("192.0.2.200/30").value()};
  static constexpr int8_t kHop[4] = {-1, 0, 1, -1};
  s.xlat.hop_change = kHop[(knobs >> 1) & 3];
  s.xlat.send_icmp_errors = !(knobs & 8);
  s.xlat.reset_tos = s.xlat.reset_traffic_class = (knobs & 16) != 0;
  if (knobs & 32) s.xlat.mtu4 = s.xlat.mtu6 = 1280;
  s.xlat.compute_udp_zero_checksum = !(knobs & 64);
  s.xlat.self6 = Ipv6Addr::parse("2001:db8:64::c000:2fe").value();
  return s;
}

}  // namespace

SIXFOUR_FUZZ_TARGET(siit) {
  if (input.empty()) return;
  const uint8_t knobs = input[0] & 0x7f;
  static std::array<std::unique_ptr<siit::Settings>, 128> all;
  if (!all[knobs]) all[knobs] = std::make_unique<siit::Settings>(settings(knobs));
  siit::Translator t(*all[knobs]);
  const std::span<const uint8_t> packet = input.subspan(1);
  std::vector<uint8_t> storage(packet.size() + 4096 + 65536);
  xlat::Output out;
  out.data = storage;
  t.translate(packet, out);
  fuzz::check_output(out);
  if (out.outcome == xlat::Outcome::Forward && !packet.empty() && t.counters().hairpinned == 0)
    for (size_t i = 0; i < out.count; ++i) SIXFOUR_FUZZ_CHECK((out.packet(i)[0] >> 4) != (packet[0] >> 4));
}
