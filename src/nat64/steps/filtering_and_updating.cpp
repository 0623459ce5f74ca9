// RFC 6146 §3.5: filtering and updating the BIB and session tables.
//
// UDP (§3.5.1) and ICMP queries (§3.5.3): a packet from the IPv6 side finds or creates the BIB entry
// of its source (endpoint-independent mapping, RFC 4787 REQ-1) and the session with its destination;
// a packet from the IPv4 side needs a BIB entry for its destination and, with address-dependent
// filtering, a session of that entry with its source address (any port) — endpoint-independent
// filtering lets it create the session. Every packet refreshes its session's lifetime.
//
// TCP (§3.5.2): only a SYN creates a session; then the state machine of nat64/tcp_state.cpp decides
// state and lifetime. Any other segment without a session (§3.5.2.2 CLOSED, "any other packet") is
// translated through its BIB entry if there is one and the filtering lets it in, creating nothing
// (e.g. the last ACK or a RST after the session went); without a BIB entry it is dropped. An IPv4 SYN with no BIB entry
// (or refused by address-dependent filtering) is "unsolicited": §3.5.2.2 says to store it for TCP_INCOMING_SYN seconds
// in case the inside host opens the same connection (simultaneous open), then answer ICMP Port Unreachable. The
// translator stores it in nat64/incoming_syn.hpp (not translated: once the inside host's SYN has created the session
// (V6 INIT), the stored SYN is discarded and the peer's retransmission completes the simultaneous
// open; otherwise expire() answers it). With drop_external_tcp_syn it is dropped at once, counted as
// tcp-syn-dropped; when the store is full, counted as tcp-syn-unsolicited.
//
// ICMP errors (may_create = false) never create or refresh anything (§3.5: they are translated inside
// the session of the packet they quote).
#include "nat64/steps/steps.hpp"

namespace sixfour::nat64 {

namespace {

// RFC 4787 §5 address-dependent filtering: has the inside host sent to `remote4` (any port) from
// this BIB entry?
bool peer_known(const Bib& b, Ipv4Addr remote4) {
  for (const Session* o = b.sessions; o; o = o->bnext)
    if (o->remote4 == remote4) return true;
  return false;
}

// §3.5.2.2 CLOSED, a TCP segment other than a SYN with a BIB entry: translated with the BIB entry
// and the peer, no session (the state stays CLOSED).
Binding stateless(const Bib& b, Ipv4Addr remote4, uint16_t rport) {
  return Binding{b.addr6, b.port6, b.addr4, b.port4, remote4, rport};
}

}  // namespace

Verdict StateImpl::refresh(Shard& sh, Session* s, const TcpSegment* tcp, uint64_t now, bool counts) {
  // A TCP session changing state may be withdrawn; any may be published (StateImpl::published).
  const bool was = published(*s);
  switch (s->bib->proto) {
    case Proto::Udp:
      set_timer(sh, s, Timer::Udp, now);
      break;
    case Proto::Icmp:
      set_timer(sh, s, Timer::Icmp, now);
      break;
    case Proto::Tcp: {
      const TcpTransition tr = tcp_transition(s->tcp, *tcp);
      // A fast path that reports segments serves a connection from the SYN that opens it on
      // (nat64/session_sink.hpp), while its maps have room.
      const bool opens = tr.next == TcpState::V4Init || tr.next == TcpState::V6Init;
      if (reports_tcp_ && opens && s->tcp != tr.next && sink_->room_for_early()) s->daemon_packets = kPublishAfter;
      s->tcp = tr.next;
      if (tr.lifetime == Lifetime::Established) set_timer(sh, s, Timer::TcpEst, now);
      if (tr.lifetime == Lifetime::Transitory) set_timer(sh, s, Timer::TcpTrans, now);
      break;
    }
  }
  sync_fast(*s, was, counts);
  return Verdict::Ok;
}

Verdict StateImpl::from_v6(Proto p, const Ipv6Addr& addr6, uint16_t port6, Ipv4Addr remote4, uint16_t rport,
                           const TcpSegment* tcp, bool may_create, uint64_t now, Binding& out) {
  const unsigned shard = shard6(p, addr6, port6);
  Shard& sh = *shards_[shard];
  std::lock_guard lock(sh.mu);
  const bool creates = may_create && (p != Proto::Tcp || tcp->syn);
  Bib* b = find6(sh, p, addr6, port6);
  Session* s = b ? find_session(sh, b, remote4, rport) : nullptr;
  if (!s) {
    if (b && may_create && p == Proto::Tcp && !tcp->syn) {
      out = stateless(*b, remote4, rport);
      return Verdict::Ok;
    }
    if (!creates) return Verdict::NoSession;
    if (!session_allowed()) return Verdict::SessionLimit;
    if (!b) {
      // §3.5.1.1: a new BIB entry with a pool4 transport address of this shard. A full shard fails
      // at once (static entries are outside this count, so probing stays bounded by the pool size).
      if (sh.dynamic_bibs[static_cast<size_t>(p)] >= pool_.capacity(shard)) return Verdict::Exhausted;
      auto t4 = allocate(sh, shard, p, addr6, port6, now);
      if (!t4) return Verdict::Exhausted;
      b = add_bib(sh, p, addr6, port6, *t4, false, now);
    }
    s = add_session(sh, b, remote4, rport, now);
    if (p == Proto::Tcp) {
      s->tcp = TcpState::Closed;
      // §3.5.2.2: the inside host opens the connection an unsolicited IPv4 SYN was waiting for; the
      // stored SYN is discarded (the peer's retransmission completes the simultaneous open).
      syns_.forget(b->addr4, b->port4, remote4, rport);
    }
  }
  if (may_create) refresh(sh, s, tcp, now);  // new sessions too: only may_create creates
  out = binding(*s);
  return Verdict::Ok;
}

Verdict StateImpl::from_v4(Proto p, Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport,
                           const TcpSegment* tcp, bool may_create, uint64_t now, Binding& out) {
  Shard& sh = *shards_[pool_.shard_of(addr4, port4)];
  std::lock_guard lock(sh.mu);
  const bool syn = p == Proto::Tcp && tcp->syn;
  Bib* b = find4(sh, p, addr4, port4);
  if (!b) {
    if (!may_create) return Verdict::NoSession;
    if (syn) return settings_.drop_external_tcp_syn ? Verdict::SynDropped : Verdict::SynUnsolicited;
    return Verdict::NoBib;
  }
  Session* s = find_session(sh, b, remote4, rport);
  if (!s) {
    if (!may_create) return Verdict::NoSession;
    // Address-dependent filtering: the inside host must have sent to this peer address (from this
    // BIB entry) before.
    const bool allowed = !settings_.address_dependent_filtering || peer_known(*b, remote4);
    if (p == Proto::Tcp && !syn) {
      if (!allowed) return Verdict::NoSession;
      out = stateless(*b, remote4, rport);
      return Verdict::Ok;
    }
    if (!allowed) {
      if (syn) return settings_.drop_external_tcp_syn ? Verdict::SynDropped : Verdict::SynUnsolicited;
      return Verdict::Filtered;
    }
    if (!session_allowed()) return Verdict::SessionLimit;
    s = add_session(sh, b, remote4, rport, now);
  }
  if (may_create) refresh(sh, s, tcp, now);  // new sessions too: only may_create creates
  out = binding(*s);
  return Verdict::Ok;
}

// A segment with SYN, FIN or RST the fast path translated (SessionSink::reports_tcp): the same
// transition as if the daemon had seen it, found from the IPv6 side's transport addresses. Its
// session may have gone meanwhile (expired, or an older segment's report was late): then nothing.
void StateImpl::apply_reported(uint64_t now) {
  if (!reports_tcp_) return;
  sink_->drain([&](const ReportedSegment& r) {
    Shard& sh = *shards_[shard6(Proto::Tcp, r.addr6, r.port6)];
    std::lock_guard lock(sh.mu);
    Bib* b = find6(sh, Proto::Tcp, r.addr6, r.port6);
    Session* s = b ? find_session(sh, b, r.remote4, r.rport) : nullptr;
    if (!s) {
      reported_gone_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    refresh(sh, s, &r.seg, now, false);
    reported_.fetch_add(1, std::memory_order_relaxed);
  });
}

}  // namespace sixfour::nat64
