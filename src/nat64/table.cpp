#include "nat64/table.hpp"

#include <random>

#include "addr/rfc6052.hpp"
#include "xlat/icmpv4_errors.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::nat64 {

std::string_view name(Proto p) {
  switch (p) {
    case Proto::Tcp:
      return "tcp";
    case Proto::Udp:
      return "udp";
    case Proto::Icmp:
      return "icmp";
  }
  return "?";
}

namespace {

// RFC 6146 §3.5.2.2 storage bound: SYNs are held 6 s, so this absorbs about 680 unsolicited SYNs a
// second before further ones are dropped unstored (80-byte quotes: about 0.5 MiB in all).
constexpr size_t kMaxStoredSyns = 4096;

uint64_t random_secret() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

Proto proto_of(uint8_t n) { return n == 6 ? Proto::Tcp : n == 17 ? Proto::Udp : Proto::Icmp; }

}  // namespace

uint64_t StateImpl::key6(uint64_t seed, Proto p, const Ipv6Addr& a, uint16_t port) {
  uint8_t k[20] = {};
  std::memcpy(k, a.b.data(), 16);
  k[16] = static_cast<uint8_t>(port >> 8);
  k[17] = static_cast<uint8_t>(port);
  k[18] = static_cast<uint8_t>(p);
  return hash_bytes(seed, k, sizeof k);
}

uint64_t StateImpl::key4(uint64_t seed, Proto p, Ipv4Addr a, uint16_t port) {
  return mix64(seed ^ (uint64_t{a.to_u32()} << 24 | uint64_t{port} << 8 | static_cast<uint8_t>(p)));
}

uint64_t StateImpl::skey(uint64_t seed, const Bib* b, Ipv4Addr r, uint16_t rport) {
  return mix64(mix64(seed ^ reinterpret_cast<uintptr_t>(b)) ^ (uint64_t{r.to_u32()} << 16 | rport));
}

StateImpl::StateImpl(const Settings& s)
    : settings_(s),
      secret_(random_secret()),
      pool_(s.pool4, 0, secret_),
      blocks_(s.pool4, s.port_block_size, mix64(secret_ ^ 0xb10c)),
      reasm_(s.fragment_memory, s.fragment_timeout_ms, mix64(secret_ ^ 0xf4a9)),
      syns_(uint64_t{s.timeouts.tcp_incoming_syn} * 1000, kMaxStoredSyns, s.xlat.hop_change) {
  for (unsigned i = 0; i < pool_.shards(); ++i) shards_.push_back(std::make_unique<Shard>(mix64(secret_ + i + 1)));
  // Static BIB entries (RFC 6146 §3.5.1 "manually configured"): they live in the shard of their IPv4
  // transport address, never expire, and are found from the IPv6 side through static6_. A duplicate
  // (same outside or same inside transport address as an earlier one) is ignored: first one wins.
  for (const StaticBinding& st : s.statics) {
    const Proto p = proto_of(st.proto);
    const unsigned si = pool_.shard_of(st.addr4, st.port4);
    Shard& sh = *shards_[si];
    if (find4(sh, p, st.addr4, st.port4)) continue;
    auto& slot = static6_[key6(secret_, p, st.addr6, st.port6)];
    bool dup6 = false;
    for (auto& e : slot)
      if (e.first->proto == p && e.first->addr6 == st.addr6 && e.first->port6 == st.port6) dup6 = true;
    if (dup6) continue;
    Bib* b = add_bib(sh, p, st.addr6, st.port6, Transport4{st.addr4, st.port4}, true, 0);
    slot.emplace_back(b, si);
  }
}

StateImpl::~StateImpl() {
  for (auto& sh : shards_) {
    std::vector<Bib*> bibs;
    sh->by4.for_each([&](Bib& b) { bibs.push_back(&b); });
    for (Bib* b : bibs) {
      for (Session* s = b->sessions; s;) {
        Session* n = s->bnext;
        delete s;
        s = n;
      }
      delete b;
    }
  }
}

unsigned StateImpl::shard6(Proto p, const Ipv6Addr& a, uint16_t port) const {
  if (!static6_.empty()) {
    auto it = static6_.find(key6(secret_, p, a, port));
    if (it != static6_.end())
      for (auto& [b, si] : it->second)
        if (b->proto == p && b->addr6 == a && b->port6 == port) return si;
  }
  return nat64::shard6(secret_ ^ 0x6, pool_.shards(), number6(p), a, port);
}

unsigned shard6(uint64_t seed6, unsigned shards, uint8_t proto, const Ipv6Addr& addr, uint16_t port) {
  return static_cast<unsigned>(StateImpl::key6(seed6, proto_of(proto), addr, port) % shards);
}

State::Sharding StateImpl::sharding() const {
  Sharding s{secret_ ^ 0x6, pool_.shards(), {}};
  for (const auto& [key, slot] : static6_)
    for (const auto& [b, si] : slot) s.statics.push_back({number6(b->proto), b->addr6, b->port6, si});
  return s;
}

Bib* StateImpl::find6(Shard& sh, Proto p, const Ipv6Addr& a, uint16_t port) const {
  return sh.by6.find(key6(sh.seed, p, a, port),
                     [&](const Bib& b) { return b.proto == p && b.port6 == port && b.addr6 == a; });
}

Bib* StateImpl::find4(Shard& sh, Proto p, Ipv4Addr a, uint16_t port) const {
  return sh.by4.find(key4(sh.seed ^ 1, p, a, port),
                     [&](const Bib& b) { return b.proto == p && b.port4 == port && b.addr4 == a; });
}

Session* StateImpl::find_session(Shard& sh, const Bib* b, Ipv4Addr r, uint16_t rport) const {
  return sh.index.find(skey(sh.seed ^ 2, b, r, rport),
                       [&](const Session& s) { return s.bib == b && s.rport == rport && s.remote4 == r; });
}

void StateImpl::log(LogEvent::Kind k, const Bib& b, const Session* s, uint64_t now) const {
  if (!settings_.log || !settings_.log_per_session) return;
  LogEvent e{
      k,  number6(b.proto), b.addr6, b.port6, b.addr4, b.port4, s ? s->remote4 : Ipv4Addr{}, s ? s->rport : uint16_t{0},
      now};
  settings_.log(e);
}

Bib* StateImpl::add_bib(Shard& sh, Proto p, const Ipv6Addr& a6, uint16_t p6, Transport4 t4, bool is_static,
                        uint64_t now) {
  Bib* b = new Bib;
  b->addr6 = a6;
  b->port6 = p6;
  b->addr4 = t4.addr;
  b->port4 = t4.port;
  b->proto = p;
  b->is_static = is_static;
  sh.by6.insert(b);
  sh.by4.insert(b);
  ++sh.bibs[static_cast<size_t>(p)];
  if (!is_static) ++sh.dynamic_bibs[static_cast<size_t>(p)];
  log(LogEvent::Kind::BibAdded, *b, nullptr, now);
  return b;
}

void StateImpl::log_block(LogEvent::Kind k, const Ipv6Addr& host, uint64_t id, uint64_t now) const {
  if (!settings_.log) return;
  const PortBlocks::Block blk = blocks_.block(id);
  LogEvent e{k, 0, host, 0, blk.addr, blk.first, Ipv4Addr{}, 0, now, blk.last};
  settings_.log(e);
}

std::optional<Transport4> StateImpl::allocate(Shard& sh, unsigned shard, Proto p, const Ipv6Addr& a6, uint16_t p6,
                                              uint64_t now) {
  if (blocks_.enabled()) return allocate_in_blocks(sh, shard, p, a6, p6, now);
  return pool_.allocate(shard, number6(p), a6, p6, [&](Ipv4Addr a, uint16_t port) { return find4(sh, p, a, port); });
}

std::optional<Transport4> StateImpl::allocate_in_blocks(Shard& sh, unsigned shard, Proto p, const Ipv6Addr& a6,
                                                        uint16_t p6, uint64_t now) {
  std::lock_guard lock(blocks_mu_);
  // A free port of this shard in block `id`, starting at a keyed offset (RFC 6056: not predictable).
  const uint64_t start = mix64(secret_ ^ (uint64_t{p6} << 8 | number6(p)));
  auto port_in = [&](uint64_t id) -> std::optional<Transport4> {
    const PortBlocks::Block blk = blocks_.block(id);
    const uint32_t n = uint32_t{blk.last} - blk.first + 1;
    for (uint32_t i = 0; i < n; ++i) {
      const auto port = static_cast<uint16_t>(blk.first + (start + i) % n);
      if (pool_.shard_of(blk.addr, port) == shard && !find4(sh, p, blk.addr, port)) return Transport4{blk.addr, port};
    }
    return std::nullopt;
  };
  for (uint64_t id : blocks_.blocks_of(a6)) {
    if (auto t = port_in(id)) {
      blocks_.hold(id);
      return t;
    }
  }
  const auto id = blocks_.claim(a6);
  if (!id) return std::nullopt;
  auto t = port_in(*id);
  if (!t) {  // this shard's ports of the new block are all static entries: leave it
    blocks_.give_back(*id);
    return std::nullopt;
  }
  blocks_.hold(*id);
  log_block(LogEvent::Kind::BlockAdded, a6, *id, now);
  return t;
}

uint64_t StateImpl::port_blocks_in_use() const {
  std::lock_guard lock(blocks_mu_);
  return blocks_.in_use();
}

void StateImpl::remove_bib(Shard& sh, Bib* b, uint64_t now) {
  log(LogEvent::Kind::BibRemoved, *b, nullptr, now);
  if (blocks_.enabled() && !b->is_static) {
    std::lock_guard lock(blocks_mu_);
    if (auto id = blocks_.block_of(b->addr4, b->port4); id && blocks_.release(*id))
      log_block(LogEvent::Kind::BlockRemoved, b->addr6, *id, now);
  }
  sh.by6.erase(b);
  sh.by4.erase(b);
  --sh.bibs[static_cast<size_t>(b->proto)];
  if (!b->is_static) --sh.dynamic_bibs[static_cast<size_t>(b->proto)];
  delete b;
}

Session* StateImpl::add_session(Shard& sh, Bib* b, Ipv4Addr r, uint16_t rport, uint64_t now) {
  Session* s = new Session;
  s->bib = b;
  s->remote4 = r;
  s->rport = rport;
  s->bnext = b->sessions;
  if (b->sessions) b->sessions->bprev = s;
  b->sessions = s;
  ++b->nsessions;
  sh.index.insert(s);
  ++sh.sessions[static_cast<size_t>(b->proto)];
  total_sessions_.fetch_add(1, std::memory_order_relaxed);
  log(LogEvent::Kind::SessionAdded, *b, s, now);
  return s;
}

void StateImpl::remove_session(Shard& sh, Session* s, uint64_t now) {
  Bib* b = s->bib;
  // Out of the fast path's maps before its pool4 port (remove_bib) can be handed out again.
  if (published(*s)) sink_->withdraw(fast_view(*s));
  log(LogEvent::Kind::SessionRemoved, *b, s, now);
  List& l = sh.lists[static_cast<size_t>(s->timer)];
  (s->prev ? s->prev->next : l.head) = s->next;
  (s->next ? s->next->prev : l.tail) = s->prev;
  (s->bprev ? s->bprev->bnext : b->sessions) = s->bnext;
  if (s->bnext) s->bnext->bprev = s->bprev;
  sh.index.erase(s);
  --sh.sessions[static_cast<size_t>(b->proto)];
  total_sessions_.fetch_sub(1, std::memory_order_relaxed);
  delete s;
  // RFC 6146 §3.5.1: a dynamic BIB entry lives as long as it has sessions.
  if (--b->nsessions == 0 && !b->is_static) remove_bib(sh, b, now);
}

uint64_t StateImpl::timeout_ms(Timer t) const {
  const Timeouts& to = settings_.timeouts;
  switch (t) {
    case Timer::Udp:
      return uint64_t{to.udp} * 1000;
    case Timer::Icmp:
      return uint64_t{to.icmp} * 1000;
    case Timer::TcpEst:
      return uint64_t{to.tcp_established} * 1000;
    case Timer::TcpTrans:
      return uint64_t{to.tcp_transitory} * 1000;
  }
  return 0;
}

void StateImpl::set_timer(Shard& sh, Session* s, Timer t, uint64_t now) {
  // Unlink from the current FIFO (a new session is in none yet: expires_ms == 0 and no neighbours).
  List& old = sh.lists[static_cast<size_t>(s->timer)];
  if (s->prev || s->next || old.head == s) {
    (s->prev ? s->prev->next : old.head) = s->next;
    (s->next ? s->next->prev : old.tail) = s->prev;
  }
  s->timer = t;
  s->expires_ms = now + timeout_ms(t);
  // Append: every session of a class gets the same lifetime, so the tail is the latest expiry. (Two
  // workers with slightly different clocks can put entries a few milliseconds out of order; such a
  // session then expires up to that much late, never early.)
  List& l = sh.lists[static_cast<size_t>(t)];
  s->prev = l.tail;
  s->next = nullptr;
  (l.tail ? l.tail->next : l.head) = s;
  l.tail = s;
}

Binding StateImpl::binding(const Session& s) {
  const Bib& b = *s.bib;
  return Binding{b.addr6, b.port6, b.addr4, b.port4, s.remote4, s.rport};
}

bool StateImpl::session_allowed() const {
  return settings_.max_sessions == 0 || total_sessions_.load(std::memory_order_relaxed) < settings_.max_sessions;
}

void StateImpl::reassembly_timed_out(std::span<const uint8_t> first,
                                     const std::function<void(std::span<const uint8_t>)>& send) {
  if (!send || !settings_.xlat.send_icmp_errors || first.size() < 20) return;
  std::array<uint8_t, 1280> buf;
  size_t n = 0;
  if ((first[0] >> 4) == 4) {
    // The NAT64 is the host a fragment for a pool4 address was sent to: it answers from there.
    const Ipv4Addr dst{{first[16], first[17], first[18], first[19]}};
    if (!pool_.contains(dst)) return;
    n = xlat::icmpv4::build_error(first, xlat::icmpv4::kTimeExceeded, 1, 0, dst, buf);
    if (n) xlat::icmpv4::restore_quoted_ttl({buf.data(), n}, settings_.xlat.hop_change);
  } else if (first.size() >= 40) {
    Ipv6Addr dst;
    std::copy_n(first.data() + 24, 16, dst.b.begin());
    if (!settings_.prefix.contains(dst)) return;
    n = xlat::build_icmpv6_error(first, xlat::icmp6::kTimeExceeded, 1, 0, settings_.xlat.self6, buf);
    if (n) xlat::restore_quoted_hop_limit({buf.data(), n}, settings_.xlat.hop_change);
  }
  if (n == 0) return;
  reasm_answered_.fetch_add(1, std::memory_order_relaxed);
  send({buf.data(), n});
}

void StateImpl::expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& send_icmp) {
  reasm_.expire(now_ms, [&](std::span<const uint8_t> first) { reassembly_timed_out(first, send_icmp); });
  syns_.expire(now_ms, send_icmp);
  apply_reported(now_ms);  // the states and lifetimes the fast path moved, before any is judged
  std::vector<std::array<uint8_t, kTcpProbeSize>> probes;
  for (auto& shp : shards_) {
    Shard& sh = *shp;
    std::lock_guard lock(sh.mu);
    for (List& l : sh.lists) {
      // Only the due heads are visited.
      while (l.head && l.head->expires_ms <= now_ms) {
        Session* s = l.head;
        if (kept_by_fast_path(sh, s, now_ms)) continue;
        if (s->timer != Timer::TcpEst || s->tcp != TcpState::Established) {
          remove_session(sh, s, now_ms);
          continue;
        }
        // RFC 6146 §3.5.2.2 ESTABLISHED, the lifetime expires: a probe to the IPv4 endpoint and
        // the state moves to TRANS (TCP_TRANS), so a live connection answers and comes back to
        // ESTABLISHED while a dead one goes after TCP_TRANS. (Moved to the TcpTrans FIFO, whose
        // due heads are visited after this one: its new expiry lies in the future.)
        const bool was = published(*s);
        s->tcp = TcpState::Trans;
        sync_fast(*s, was, false);  // back to the daemon until it is ESTABLISHED again
        set_timer(sh, s, Timer::TcpTrans, now_ms);
        if (send_icmp) {
          probes.emplace_back();
          tcp_probe4(s->bib->addr4, s->bib->port4, s->remote4, s->rport, probes.back());
        }
      }
    }
  }
  for (const auto& p : probes) send_icmp(p);  // outside the shard locks
}

FastSession StateImpl::fast_view(const Session& s) const {
  const Bib& b = *s.bib;
  return FastSession{number6(b.proto), b.addr6, b.port6,   rfc6052::embed(settings_.prefix, s.remote4),
                     b.addr4,          b.port4, s.remote4, s.rport};
}

void StateImpl::sync_fast(Session& s, bool was, bool counts) {
  if (!fast_kind(s)) {
    s.daemon_packets = 0;  // counted anew if it comes back (TCP: ESTABLISHED again)
    if (was) sink_->withdraw(fast_view(s));
    return;
  }
  if (counts && s.daemon_packets < kPublishAfter) ++s.daemon_packets;
  if (!was && published(s)) sink_->publish(fast_view(s));
}

bool StateImpl::kept_by_fast_path(Shard& sh, Session* s, uint64_t now) {
  if (!published(*s)) return false;
  // Only a SYN moves an opening TCP session's lifetime (§3.5.2.2 V4 INIT, V6 INIT), and those are
  // reported: the fast path's other packets keep nothing.
  if (s->bib->proto == Proto::Tcp && (s->tcp == TcpState::V4Init || s->tcp == TcpState::V6Init)) return false;
  const std::optional<uint64_t> idle = sink_->idle_ms(fast_view(*s));
  if (!idle || *idle >= timeout_ms(s->timer)) return false;
  // A full lifetime from now (not from the fast path's last packet): the FIFO stays ordered, and
  // the session goes at most one lifetime late.
  set_timer(sh, s, s->timer, now);
  return true;
}

std::vector<BibInfo> StateImpl::bib() const {
  std::vector<BibInfo> v;
  for (auto& shp : shards_) {
    std::lock_guard lock(shp->mu);
    shp->by4.for_each([&](const Bib& b) {
      v.push_back(BibInfo{number6(b.proto), b.addr6, b.port6, b.addr4, b.port4, b.is_static, b.nsessions});
    });
  }
  return v;
}

std::vector<SessionInfo> StateImpl::sessions(uint64_t now_ms) const {
  std::vector<SessionInfo> v;
  for (auto& shp : shards_) {
    std::lock_guard lock(shp->mu);
    for (const List& l : shp->lists) {
      for (const Session* s = l.head; s; s = s->next) {
        const Bib& b = *s->bib;
        v.push_back(SessionInfo{number6(b.proto), b.addr6, b.port6, rfc6052::embed(settings_.prefix, s->remote4),
                                b.proto == Proto::Icmp ? b.port6 : s->rport, b.addr4, b.port4, s->remote4,
                                b.proto == Proto::Icmp ? b.port4 : s->rport,
                                b.proto == Proto::Tcp ? name(s->tcp) : std::string_view("-"),
                                s->expires_ms > now_ms ? s->expires_ms - now_ms : 0});
      }
    }
  }
  return v;
}

void StateImpl::visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const {
  std::array<uint64_t, kProtos> bibs{}, dyn{}, sess{};
  for (auto& shp : shards_) {
    std::lock_guard lock(shp->mu);
    for (size_t i = 0; i < kProtos; ++i) {
      bibs[i] += shp->bibs[i];
      dyn[i] += shp->dynamic_bibs[i];
      sess[i] += shp->sessions[i];
    }
  }
  static constexpr std::string_view kBib[] = {"bib.tcp", "bib.udp", "bib.icmp"};
  static constexpr std::string_view kSess[] = {"sessions.tcp", "sessions.udp", "sessions.icmp"};
  uint64_t used = 0;
  for (size_t i = 0; i < kProtos; ++i) {
    f(kBib[i], bibs[i]);
    used += dyn[i];
  }
  for (size_t i = 0; i < kProtos; ++i) f(kSess[i], sess[i]);
  // Free outside transport addresses, the three protocols together (each has its own port space).
  // Static entries inside the pool are not subtracted.
  const uint64_t cap = pool_.capacity_total() * kProtos;
  f("pool4.ports-free", cap > used ? cap - used : 0);
  if (blocks_.enabled()) {
    f("port-blocks.in-use", port_blocks_in_use());
    f("port-blocks.total", blocks_.total());
  }
  f("fragments.datagrams", reasm_.datagrams_held());
  f("incoming-syn.stored", syns_.size());
  f("incoming-syn.held", syns_.held());
  f("incoming-syn.matched", syns_.matched());
  f("incoming-syn.answered", syns_.answered());
  f("incoming-syn.overflow", syns_.overflowed());
  f("fragments.bytes", reasm_.bytes_held());
  f("fragments.timed-out", reasm_.timed_out());
  f("fragments.time-exceeded-sent", reasm_answered_.load(std::memory_order_relaxed));
  if (reports_tcp_) {
    f("tcp-reported.applied", reported_.load(std::memory_order_relaxed));
    f("tcp-reported.gone", reported_gone_.load(std::memory_order_relaxed));
  }
}

}  // namespace sixfour::nat64
