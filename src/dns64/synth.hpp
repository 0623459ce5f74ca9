// RFC 6147 DNS64 rules on parsed messages: when a AAAA answer counts as absent, how AAAA records are
// synthesized from A records (RFC 6052 addresses), PTR queries inside the prefix (§5.3), and the
// ipv4only.arpa answer of RFC 7050/RFC 8880. Pure: the server feeds it upstream answers.
#pragma once
#include <optional>
#include <vector>

#include "addr/ip.hpp"
#include "addr/rfc6052.hpp"
#include "dns64/message.hpp"

namespace sixfour::dns64 {

struct Settings {
  Ipv6Prefix prefix = rfc6052::kWellKnownPrefix;
  // AAAA records inside these count as absent (RFC 6147 §5.1.4); ::ffff:0:0/96 always does.
  std::vector<Ipv6Prefix> exclude;
};

// RFC 6147 §5.1.4: ::ffff:0:0/96 (IPv4-mapped) and the configured exclusions.
bool excluded(const Settings& s, const Ipv6Addr& a);

// RFC 6147 §5.5: with DO=1 and CD=1 the client validates itself, so nothing is synthesized.
inline bool synthesis_allowed(const Query& q) { return !(q.do_bit && q.cd()); }

// The owner name at the end of the CNAME chain that starts at `qname` in `m`'s answer section
// (RFC 6147 §5.1.1: synthesis happens for the name the chain ends at). DNAMEs are followed
// through the CNAMEs a resolver synthesizes for them (RFC 6672 §3.4).
Name chain_end(const Message& m, std::span<const uint8_t> qname);

enum class AaaaVerdict {
  answer,      // return `aaaa` as it is now (real AAAA records, or NXDOMAIN)
  synthesize,  // ask for A and synthesize (NODATA, only excluded AAAA, or an error RCODE)
};

// Looks at the upstream answer to a AAAA query (RFC 6147 §5.1.1-5.1.4) and drops AAAA records
// in excluded ranges from it. NXDOMAIN stays (§5.1.2 lists only NOERROR-without-AAAA and error
// RCODEs other than NXDOMAIN as reasons to synthesize).
AaaaVerdict classify_aaaa(Message& aaaa, std::span<const uint8_t> qname, const Settings& s);

// TTL for synthesized records, RFC 6147 §5.1.7: the smaller of the A record's TTL and the
// AAAA answer's negative-caching TTL (min of the SOA's TTL and MINIMUM, RFC 2308 §5); 600 s
// stands in for the latter when the AAAA answer carried no SOA.
uint32_t negative_ttl(const Message& aaaa);

// Builds the answer from the A answer: its CNAME/DNAME chain (RRSIGs over those kept when the
// client set DO), then one AAAA per A record at the chain's end, embedded in the prefix
// (RFC 6052 §2.2, u-octet zero). AD is cleared: synthesized data is not authenticated (§5.5).
// Returns nullopt when the A answer has no A record at the chain's end: the caller then returns
// the AAAA answer (§5.1.6: an A answer with no records gives the original AAAA answer).
std::optional<Message> synthesize(const Message& aaaa, const Message& a, std::span<const uint8_t> qname,
                                  const Settings& s, bool do_bit);

// RFC 6147 §5.3.1: the in-addr.arpa name for an ip6.arpa name inside the prefix (all 32 nibbles
// given), or nullopt for any other name.
std::optional<Name> ptr_target(std::span<const uint8_t> qname, const Settings& s);

// The answer to a PTR query for `qname` inside the prefix: a CNAME to `target` (RFC 6147 §5.3.1,
// the "CNAME" option) followed by the answer records the upstream gave for `target`, with its
// RCODE. The CNAME gets the TTL of the first answer record (600 s when there is none, as §5.1.7).
Message ptr_answer(std::span<const uint8_t> qname, std::span<const uint8_t> target, const Message& upstream);

// RFC 7050 §2 / RFC 8880 §7.2: ipv4only.arpa has the well-known addresses 192.0.0.170 and
// 192.0.0.171; the AAAA answer embeds them in our prefix so that clients discover it.
bool is_ipv4only_arpa(std::span<const uint8_t> qname);
Message ipv4only_answer(std::span<const uint8_t> qname, uint16_t qtype, const Settings& s);
inline constexpr uint32_t kIpv4onlyTtl = 86400;

}  // namespace sixfour::dns64
