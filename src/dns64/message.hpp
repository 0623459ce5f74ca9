// DNS messages as sixfour dns64 sees them (RFC 1035 §4, EDNS0 RFC 6891): a client query parsed by a
// small allocation-free reader (the hot path), upstream responses parsed with libknot into plain
// records, and answers rendered with libknot (name compression, truncation) for one client query.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace sixfour::dns64 {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeNS = 2;
inline constexpr uint16_t kTypeCNAME = 5;
inline constexpr uint16_t kTypeSOA = 6;
inline constexpr uint16_t kTypePTR = 12;
inline constexpr uint16_t kTypeAAAA = 28;
inline constexpr uint16_t kTypeDNAME = 39;
inline constexpr uint16_t kTypeOPT = 41;
inline constexpr uint16_t kTypeRRSIG = 46;
inline constexpr uint16_t kClassIN = 1;

enum Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

// Header flag bits in the second 16-bit word (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD).
inline constexpr uint16_t kFlagQR = 0x8000;
inline constexpr uint16_t kFlagAA = 0x0400;
inline constexpr uint16_t kFlagTC = 0x0200;
inline constexpr uint16_t kFlagRD = 0x0100;
inline constexpr uint16_t kFlagRA = 0x0080;
inline constexpr uint16_t kFlagAD = 0x0020;
inline constexpr uint16_t kFlagCD = 0x0010;

// The EDNS0 payload size sixfour advertises and uses upstream (the DNS flag day 2020 value: fits
// every path without IP fragmentation).
inline constexpr uint16_t kEdnsSize = 1232;

// A domain name in uncompressed wire form (length-prefixed labels, ending with the root label).
using Name = std::vector<uint8_t>;

// Fixed-size name for the hot path (RFC 1035 §2.3.4: at most 255 octets).
struct WireName {
  std::array<uint8_t, 255> b{};
  uint8_t len = 0;
  std::span<const uint8_t> span() const { return {b.data(), len}; }
  Name name() const { return Name(b.begin(), b.begin() + len); }
};

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;  // the header's flag word as the client sent it
  WireName qname;      // as sent (its letter case is echoed back, RFC 4343)
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool edns = false;  // the query carried an OPT record
  uint8_t edns_version = 0;
  bool do_bit = false;      // DNSSEC OK (RFC 3225)
  uint16_t udp_size = 512;  // largest UDP answer the client takes (RFC 6891 §6.2.5; at least 512)

  bool rd() const { return flags & kFlagRD; }
  bool cd() const { return flags & kFlagCD; }
  uint8_t opcode() const { return (flags >> 11) & 0xf; }
};

enum class QueryStatus {
  ok,
  drop,     // not answerable: shorter than a header, or a response (QR=1) — never answer those
  formerr,  // header readable but the rest is not a valid single-question query: FORMERR
  notimp,   // opcode other than QUERY: NOTIMP (RFC 1035 §4.1.1)
  badvers,  // EDNS version above 0: BADVERS (RFC 6891 §6.1.3)
};

// Reads a client query without allocating. For formerr/notimp/badvers, `q` holds the ID and flags
// (and the question if it was readable) so that the error answer can be built.
QueryStatus parse_query(std::span<const uint8_t> wire, Query& q);

struct Rr {
  Name owner;
  uint16_t type = 0;
  uint16_t cls = kClassIN;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // names inside are uncompressed
  bool operator==(const Rr&) const = default;
};

// A response without its header ID, question and OPT (those belong to the client's query).
struct Message {
  uint8_t rcode = kNoError;
  bool aa = false;
  bool ad = false;
  bool ra = true;
  bool tc = false;
  std::vector<Rr> answer, authority, additional;
};

// Parses an upstream (or cached) response with libknot. It must be a response (QR=1) to the
// question (qname case-insensitively, qtype, class IN). OPT and TSIG records are left out.
Result<Message> parse_response(std::span<const uint8_t> wire, std::span<const uint8_t> qname, uint16_t qtype);

// Renders `m` as the answer to `q`: the query's ID, RD, CD and question (in the client's letter
// case), RA set, an OPT record (size kEdnsSize, DO echoed) when the query had one. If it does not
// fit in `max_size` octets the answer is sent with TC=1 and empty sections (RFC 2181 §9, RFC 6891
// §7), so the client retries over TCP.
std::vector<uint8_t> render(const Query& q, const Message& m, size_t max_size);

// An answer with just a header (and the question and OPT when readable): FORMERR, NOTIMP,
// SERVFAIL, REFUSED or BADVERS.
std::vector<uint8_t> render_error(const Query& q, QueryStatus status_or_ok, uint8_t rcode);

// Builds an upstream query: RD=1, CD as given, OPT with kEdnsSize and DO as given.
std::vector<uint8_t> build_query(uint16_t id, std::span<const uint8_t> qname, uint16_t qtype, bool cd, bool do_bit);

// Name helpers (uncompressed wire form).
bool name_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);  // ASCII case-insensitive
Name name_lower(std::span<const uint8_t> n);
Result<Name> name_from_text(std::string_view text);    // "www.example.test" or "www.example.test."
std::string name_to_text(std::span<const uint8_t> n);  // "www.example.test."

// Largest answer a client takes over UDP: its EDNS payload size, or 512 without EDNS.
inline size_t udp_limit(const Query& q) { return q.edns ? q.udp_size : 512; }

}  // namespace sixfour::dns64
