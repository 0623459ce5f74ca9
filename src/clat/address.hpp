// The CLAT's own addresses (RFC 6877), pure: the IPv4 address the host's packets come from
// (RFC 7335), the dedicated IPv6 address they leave with (RFC 6877 §6.3, an RFC 7217-style stable
// interface identifier) and which of the two address modes the uplink allows. The daemon reads the
// host's addresses and runs duplicate address detection; these functions only decide.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "addr/ip.hpp"
#include "common/result.hpp"

namespace sixfour::clat {

// ---- IPv4 side (RFC 7335: 192.0.0.0/29 is the IPv4 service continuity prefix of a CLAT)

inline constexpr Ipv4Prefix kIpv4Range{Ipv4Addr{{192, 0, 0, 0}}, 29};

// The first address of 192.0.0.0/29 not in `in_use` (addresses present on the host), from .1 (the
// usual CLAT address) to .6; never .0 (network) or .7 (broadcast). Error when all six are taken.
Result<Ipv4Addr> pick_ipv4(std::span<const Ipv4Addr> in_use);

// ---- IPv6 side: the dedicated address (RFC 6877 §6.3)

// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit PRF, the F() of RFC 7217 §5 here.
using SipKey = std::array<uint8_t, 16>;
uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data);

// RFC 5453 (the IANA "Reserved IPv6 Interface Identifiers"): the subnet-router anycast IID (all
// zero), 0200:5eff:fe00:0-0200:5eff:feff:ffff (the IANA Ethernet block and Proxy Mobile IPv6) and the
// reserved subnet anycast IIDs fdff:ffff:ffff:ff80-fdff:ffff:ffff:ffff (RFC 2526).
bool reserved_iid(uint64_t iid);

// RFC 7217 §6: IDGEN_RETRIES, the number of new addresses tried after duplicate address detection
// failed, before giving up.
inline constexpr uint8_t kIdgenRetries = 3;

struct StableAddress {
  Ipv6Addr address;
  uint8_t dad_counter = 0;  // the DAD_Counter that produced it; after a conflict, ask again with +1
};

// The dedicated address in `prefix` (a /64): IID = the 64 bits of SipHash-2-4 under `key` over
// (prefix, network_id, dad_counter), RFC 7217 §5 (network_id stands for Net_Iface and Network_ID:
// the uplink's name, and an SSID-like name of the network when known). Stable for a given network,
// different on another, unguessable without the key. A reserved IID or an address in `in_use` (the
// host's own) moves on to dad_counter + 1, up to kIdgenRetries.
Result<StableAddress> stable_address(const SipKey& key, const Ipv6Prefix& prefix, std::string_view network_id,
                                     uint8_t dad_counter, std::span<const Ipv6Addr> in_use = {});

// The search stable_address makes, over any source of IIDs (`iid_for(dad_counter)`): from
// `dad_counter` to kIdgenRetries, the first IID that is not reserved and gives no address in `in_use`.
Result<StableAddress> first_usable_address(const Ipv6Prefix& prefix, uint8_t dad_counter,
                                           std::span<const Ipv6Addr> in_use,
                                           const std::function<uint64_t(uint8_t)>& iid_for);

// ---- address mode

// An IPv6 address of the uplink as the kernel reports it.
struct UplinkAddress {
  Ipv6Addr address;
  uint8_t prefix_len = 128;
  bool deprecated = false;  // preferred lifetime over
  bool temporary = false;   // RFC 8981 privacy address
};

enum class AddressMode : uint8_t {
  Dedicated,          // an address of its own in the uplink's /64 (RFC 6877 §6.3)
  SharedHostAddress,  // no /64 to take one from (a DHCPv6 /128): the host's address, told apart by port
};
std::string_view name(AddressMode m);  // "dedicated", "shared"

struct ModeChoice {
  AddressMode mode = AddressMode::Dedicated;
  Ipv6Prefix prefix;   // Dedicated: the /64; Shared: the host's address as a /128
  std::string reason;  // one line for `status`
};

// Usable on the uplink for the CLAT: not unspecified, loopback, link-local, multicast or IPv4-mapped.
bool usable_uplink_address(const Ipv6Addr& a);

// The mode the uplink's addresses allow: Dedicated in the /64 of a usable address (stable ones before
// temporary, preferred before deprecated), else SharedHostAddress on a usable address of another
// length. `dedicated_failed` (every dedicated address failed DAD, or the network drops a second
// address) forces the shared mode. Error when the uplink has no usable address.
Result<ModeChoice> choose_mode(std::span<const UplinkAddress> addrs, bool dedicated_failed = false);

}  // namespace sixfour::clat
