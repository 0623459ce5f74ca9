#include "dns64/message.hpp"

// libknot headers have no extern "C" guards of their own.
extern "C" {
#include <libknot/libknot.h>
}

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace sixfour::dns64 {

namespace {

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c; }

// Reads an uncompressed name at `off` (queries carry no compression pointers in the question; a
// pointer there is a FORMERR). Returns the offset after it, or 0 if malformed.
size_t read_plain_name(std::span<const uint8_t> w, size_t off, WireName* out) {
  size_t start = off;
  while (true) {
    if (off >= w.size()) return 0;
    uint8_t l = w[off];
    if (l == 0) {
      ++off;
      break;
    }
    if (l > 63) return 0;  // compression pointer or reserved label type
    off += 1 + l;
    if (off - start > 254) return 0;  // RFC 1035 §3.1: 255 octets including the root label
  }
  size_t len = off - start;
  if (len > 255) return 0;
  if (out) {
    std::memcpy(out->b.data(), w.data() + start, len);
    out->len = static_cast<uint8_t>(len);
  }
  return off;
}

// Skips a possibly compressed name; returns the offset after it in the message, or 0.
size_t skip_name(std::span<const uint8_t> w, size_t off) {
  while (true) {
    if (off >= w.size()) return 0;
    uint8_t l = w[off];
    if (l == 0) return off + 1;
    if ((l & 0xc0) == 0xc0) return off + 2 <= w.size() ? off + 2 : 0;
    if (l > 63) return 0;
    off += 1 + l;
  }
}

}  // namespace

QueryStatus parse_query(std::span<const uint8_t> w, Query& q) {
  q = Query{};
  if (w.size() < 12) return QueryStatus::drop;
  q.id = rd16(&w[0]);
  q.flags = rd16(&w[2]);
  if (q.flags & kFlagQR) return QueryStatus::drop;  // never answer a response (loops, reflection)
  uint16_t qd = rd16(&w[4]), an = rd16(&w[6]), ns = rd16(&w[8]), ar = rd16(&w[10]);
  if (q.opcode() != 0) return QueryStatus::notimp;
  if (qd != 1) return QueryStatus::formerr;
  size_t off = read_plain_name(w, 12, &q.qname);
  if (off == 0 || off + 4 > w.size()) {
    q.qname.len = 0;
    return QueryStatus::formerr;
  }
  q.qtype = rd16(&w[off]);
  q.qclass = rd16(&w[off + 2]);
  off += 4;
  // A query has no answer records (RFC 1035 §4.1.2); authority records are tolerated and skipped.
  if (an != 0) return QueryStatus::formerr;
  bool seen_opt = false;
  for (unsigned i = 0; i < unsigned(ns) + ar; ++i) {
    size_t name_at = off;
    off = skip_name(w, off);
    if (off == 0 || off + 10 > w.size()) return QueryStatus::formerr;
    uint16_t type = rd16(&w[off]);
    uint16_t rdlen = rd16(&w[off + 8]);
    if (off + 10 + rdlen > w.size()) return QueryStatus::formerr;
    if (type == kTypeOPT) {
      // RFC 6891 §6.1.1: one OPT, owner the root, in the additional section.
      if (i < ns || seen_opt || w[name_at] != 0) return QueryStatus::formerr;
      seen_opt = true;
      q.edns = true;
      q.udp_size = std::max<uint16_t>(512, rd16(&w[off + 2]));
      q.edns_version = w[off + 5];
      q.do_bit = w[off + 6] & 0x80;
    }
    off += 10 + rdlen;
  }
  if (q.edns && q.edns_version != 0) return QueryStatus::badvers;
  return QueryStatus::ok;
}

bool name_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

Name name_lower(std::span<const uint8_t> n) {
  Name out(n.begin(), n.end());
  for (auto& c : out) c = lower(c);
  return out;
}

Result<Name> name_from_text(std::string_view text) {
  Name out;
  if (text == "." || text.empty()) return Name{0};
  if (text.back() == '.') text.remove_suffix(1);
  size_t pos = 0;
  while (true) {
    size_t dot = text.find('.', pos);
    std::string_view label = text.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (label.empty() || label.size() > 63) return Error{fmt::format("\"{}\" is not a domain name", text)};
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  out.push_back(0);
  if (out.size() > 255) return Error{fmt::format("\"{}\" is longer than 255 octets", text)};
  return out;
}

std::string name_to_text(std::span<const uint8_t> n) {
  std::string s;
  size_t i = 0;
  while (i < n.size() && n[i] != 0) {
    uint8_t l = n[i];
    for (size_t j = 1; j <= l && i + j < n.size(); ++j) s.push_back(static_cast<char>(n[i + j]));
    s.push_back('.');
    i += 1 + l;
  }
  return s.empty() ? "." : s;
}

Result<Message> parse_response(std::span<const uint8_t> wire, std::span<const uint8_t> qname, uint16_t qtype) {
  if (wire.size() < 12 || wire.size() > 65535) return Error{"response: bad size"};
  std::vector<uint8_t> copy(wire.begin(), wire.end());  // knot_pkt parses a mutable buffer
  knot_pkt_t* pkt = knot_pkt_new(copy.data(), static_cast<uint16_t>(copy.size()), nullptr);
  if (!pkt) return Error{"response: out of memory"};
  struct Free {
    knot_pkt_t* p;
    ~Free() { knot_pkt_free(p); }
  } guard{pkt};
  // NOCANON: keep names in RDATA as the upstream wrote them (we forward, we do not sign).
  int rc = knot_pkt_parse(pkt, KNOT_PF_NOCANON);
  if (rc != KNOT_EOK) return Error{fmt::format("response: {}", knot_strerror(rc))};
  if (!knot_wire_get_qr(pkt->wire)) return Error{"response: QR=0"};
  if (knot_wire_get_qdcount(pkt->wire) != 1) return Error{"response: no question"};
  const knot_dname_t* rq = knot_pkt_qname(pkt);
  if (!name_equal({rq, knot_dname_size(rq)}, qname) || knot_pkt_qtype(pkt) != qtype || knot_pkt_qclass(pkt) != kClassIN)
    return Error{"response: question does not match"};
  Message m;
  m.rcode = knot_wire_get_rcode(pkt->wire);
  m.aa = knot_wire_get_aa(pkt->wire);
  m.ad = knot_wire_get_ad(pkt->wire);
  m.ra = knot_wire_get_ra(pkt->wire);
  m.tc = knot_wire_get_tc(pkt->wire);
  std::vector<Rr>* out[3] = {&m.answer, &m.authority, &m.additional};
  for (int s = 0; s < 3; ++s) {
    const knot_pktsection_t* sec = knot_pkt_section(pkt, static_cast<knot_section_t>(KNOT_ANSWER + s));
    for (uint16_t i = 0; i < sec->count; ++i) {
      const knot_rrset_t* rr = knot_pkt_rr(sec, i);
      if (rr->type == KNOT_RRTYPE_OPT || rr->type == KNOT_RRTYPE_TSIG) continue;
      knot_rdata_t* rd = rr->rrs.rdata;
      for (uint16_t k = 0; k < rr->rrs.count; ++k, rd = knot_rdataset_next(rd)) {
        Rr r;
        r.owner.assign(rr->owner, rr->owner + knot_dname_size(rr->owner));
        r.type = rr->type;
        r.cls = rr->rclass;
        r.ttl = rr->ttl;
        r.rdata.assign(rd->data, rd->data + rd->len);
        out[s]->push_back(std::move(r));
      }
    }
  }
  return m;
}

namespace {

constexpr size_t kOptSize = 11;  // root owner, type, class, TTL, RDLENGTH 0 (RFC 6891 §6.1.2)

void write_opt(uint8_t* p, bool do_bit, uint8_t ext_rcode) {
  p[0] = 0;
  wr16(p + 1, kTypeOPT);
  wr16(p + 3, kEdnsSize);
  p[5] = ext_rcode;
  p[6] = 0;  // version 0
  p[7] = do_bit ? 0x80 : 0;
  p[8] = 0;
  wr16(p + 9, 0);
}

uint16_t response_flags(const Query& q, const Message* m, uint8_t rcode, bool tc) {
  uint16_t f = kFlagQR | kFlagRA | (q.flags & (kFlagRD | kFlagCD)) | (q.flags & 0x7800);
  if (m) {
    if (m->aa) f |= kFlagAA;
    if (m->ad) f |= kFlagAD;
  }
  if (tc) f |= kFlagTC;
  return static_cast<uint16_t>(f | (rcode & 0xf));
}

// Header + question (+ OPT): the whole answer when there are no records or they do not fit.
std::vector<uint8_t> render_bare(const Query& q, uint16_t flags, bool with_question, uint8_t ext_rcode) {
  // One allocation of the largest size, trimmed at the end (vector::insert here trips GCC 12's
  // -O3 -Warray-bounds false positive).
  std::vector<uint8_t> out(12 + 255 + 4 + kOptSize);
  size_t n = 12;
  wr16(&out[0], q.id);
  wr16(&out[2], flags);
  if (with_question) {
    wr16(&out[4], 1);
    std::memcpy(&out[n], q.qname.b.data(), q.qname.len);
    n += q.qname.len;
    wr16(&out[n], q.qtype);
    wr16(&out[n + 2], q.qclass);
    n += 4;
  }
  if (q.edns) {
    write_opt(&out[n], q.do_bit, ext_rcode);
    n += kOptSize;
    wr16(&out[10], 1);
  }
  out.resize(n);
  return out;
}

}  // namespace

std::vector<uint8_t> render_error(const Query& q, QueryStatus st, uint8_t rcode) {
  bool question = q.qname.len > 0 && st != QueryStatus::notimp;
  if (st == QueryStatus::badvers) {
    // BADVERS = 16: upper 8 bits in the OPT's extended RCODE, lower 4 bits 0 in the header.
    Query v1 = q;
    v1.edns = true;
    return render_bare(v1, response_flags(q, nullptr, 0, false), question, 1);
  }
  Query noedns = q;
  if (st == QueryStatus::formerr) noedns.edns = false;  // the OPT may be what was malformed
  return render_bare(noedns, response_flags(q, nullptr, rcode, false), question, 0);
}

std::vector<uint8_t> render(const Query& q, const Message& m, size_t max_size) {
  max_size = std::clamp<size_t>(max_size, 512, 65535);
  // max_size includes room for our OPT, which is appended by hand after libknot is done.
  knot_pkt_t* pkt = knot_pkt_new(nullptr, static_cast<uint16_t>(max_size), nullptr);
  if (!pkt) return render_error(q, QueryStatus::ok, kServFail);
  std::vector<knot_rrset_t> sets;
  sets.reserve(m.answer.size() + m.authority.size() + m.additional.size());
  bool fits = true;
  int rc = knot_pkt_put_question(pkt, q.qname.b.data(), q.qclass, q.qtype);
  if (rc == KNOT_EOK && q.edns) rc = knot_pkt_reserve(pkt, kOptSize);
  if (rc != KNOT_EOK) fits = false;
  const std::vector<Rr>* secs[3] = {&m.answer, &m.authority, &m.additional};
  for (int s = 0; s < 3 && fits; ++s) {
    if (knot_pkt_begin(pkt, static_cast<knot_section_t>(KNOT_ANSWER + s)) != KNOT_EOK) {
      fits = false;
      break;
    }
    for (const Rr& r : *secs[s]) {
      knot_rrset_t& set = sets.emplace_back();
      knot_rrset_init(&set, const_cast<uint8_t*>(r.owner.data()), r.type, r.cls, r.ttl);
      if (knot_rrset_add_rdata(&set, r.rdata.data(), static_cast<uint16_t>(r.rdata.size()), nullptr) != KNOT_EOK ||
          knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &set, KNOT_PF_NOTRUNC) != KNOT_EOK) {
        fits = false;
        break;
      }
    }
  }
  size_t size = pkt->size;
  std::vector<uint8_t> buf(pkt->wire, pkt->wire + size);
  knot_pkt_free(pkt);
  for (auto& set : sets) knot_rdataset_clear(&set.rrs, nullptr);
  if (!fits) return render_bare(q, response_flags(q, &m, m.rcode, true), true, 0);
  wr16(&buf[0], q.id);
  wr16(&buf[2], response_flags(q, &m, m.rcode, m.tc));
  if (q.edns) {
    buf.resize(size + kOptSize);
    write_opt(&buf[size], q.do_bit, 0);
    wr16(&buf[10], static_cast<uint16_t>(rd16(&buf[10]) + 1));
  }
  return buf;
}

std::vector<uint8_t> build_query(uint16_t id, std::span<const uint8_t> qname, uint16_t qtype, bool cd, bool do_bit) {
  std::vector<uint8_t> out(12 + qname.size() + 4 + kOptSize);
  wr16(&out[0], id);
  wr16(&out[2], static_cast<uint16_t>(kFlagRD | (cd ? kFlagCD : 0)));
  wr16(&out[4], 1);
  wr16(&out[10], 1);
  std::memcpy(&out[12], qname.data(), qname.size());
  size_t n = 12 + qname.size();
  wr16(&out[n], qtype);
  wr16(&out[n + 2], kClassIN);
  write_opt(&out[n + 4], do_bit, 0);
  return out;
}

}  // namespace sixfour::dns64
