// The BIB and session tables of the NAT64 (RFC 6146 §3.1, §3.2): the State shared by all workers.
//
// Layout. The tables are split into shards, each with its own mutex. A shard owns a disjoint set of
// pool4 transport addresses (Pool4::shard_of), so a packet from the IPv4 side finds its shard from its
// destination address and port alone. A packet from the IPv6 side finds it from a keyed hash of its
// source (address, port) — dynamic BIB entries are created with a pool4 port of that same shard — or,
// for static entries, from an immutable index built at start. Every packet takes exactly one lock.
//
// Per shard: BIB entries hashed by their IPv6 transport address and by their IPv4 transport address,
// sessions hashed by (BIB entry, IPv4 peer address, peer port) — with endpoint-independent mapping the
// BIB entry stands for both inside and outside transport addresses, so one index serves the 5-tuple
// lookups of both directions. Expiry: one doubly linked FIFO per timeout class; all sessions of a
// class have the same lifetime, so appending on refresh keeps each list ordered by expiry time and
// expire() only looks at heads that are due.
//
// Memory (x86-64): Bib 56 bytes, Session 64 bytes, each one malloc chunk (glibc adds 8 bytes and
// rounds to 16: 64 + 80), plus 8-byte bucket slots at load factor 0.5-1 (two per BIB, one per
// session; the large bucket arrays are mmap()ed). The unit
// test nat64_memory_test measures the real figure with mallinfo2() for 1,000,000 UDP sessions (each
// with its own BIB entry, the worst case).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "nat64/fragments.hpp"
#include "nat64/hash.hpp"
#include "nat64/incoming_syn.hpp"
#include "nat64/pool4.hpp"
#include "nat64/port_blocks.hpp"
#include "nat64/tcp_state.hpp"
#include "nat64/translator.hpp"

namespace sixfour::nat64 {

enum class Proto : uint8_t { Tcp = 0, Udp = 1, Icmp = 2 };
inline constexpr size_t kProtos = 3;
inline uint8_t number6(Proto p) { return p == Proto::Tcp ? 6 : p == Proto::Udp ? 17 : 58; }
inline uint8_t number4(Proto p) { return p == Proto::Tcp ? 6 : p == Proto::Udp ? 17 : 1; }
std::string_view name(Proto p);  // "tcp", "udp", "icmp"

enum class Timer : uint8_t { Udp, Icmp, TcpEst, TcpTrans };
inline constexpr size_t kTimers = 4;

struct Session;

struct Bib {
  Bib* next6 = nullptr;         // chain in the by-IPv6 index
  Bib* next4 = nullptr;         // chain in the by-IPv4 index
  Session* sessions = nullptr;  // this entry's sessions (for address-dependent filtering, RFC 4787)
  Ipv6Addr addr6;
  Ipv4Addr addr4;
  uint16_t port6 = 0, port4 = 0;
  Proto proto = Proto::Udp;
  bool is_static = false;
  uint32_t nsessions = 0;
};

struct Session {
  Session* hnext = nullptr;                    // chain in the session index
  Session *prev = nullptr, *next = nullptr;    // expiry FIFO of its timer class
  Session *bprev = nullptr, *bnext = nullptr;  // its BIB entry's list
  Bib* bib = nullptr;
  uint64_t expires_ms = 0;
  Ipv4Addr remote4;
  uint16_t rport = 0;                   // peer port (0 for ICMP: the identifier is the BIB's)
  TcpState tcp : 3 = TcpState::Closed;  // (8 states)
  Timer timer : 2 = Timer::Udp;
  // The packets the daemon translated while the session was of a kind the fast path serves
  // (StateImpl::fast_kind), up to kPublishAfter (nat64/session_sink.hpp).
  uint8_t daemon_packets : 3 = 0;
};
static_assert(sizeof(Session) == 64, "a session is one cache line");
static_assert(kPublishAfter < 8, "Session::daemon_packets counts to kPublishAfter");

// A session as the translate step needs it, copied out under the shard lock (no pointers survive
// the lock).
struct Binding {
  Ipv6Addr addr6;
  uint16_t port6 = 0;
  Ipv4Addr addr4;
  uint16_t port4 = 0;
  Ipv4Addr remote4;
  uint16_t rport = 0;
};

// Why filtering and updating (§3.5) refused a packet.
enum class Verdict : uint8_t {
  Ok,
  NoBib,           // IPv4 packet to a pool4 transport address nobody holds
  NoSession,       // lookup-only packet (ICMP error, TCP non-SYN) with no session
  Filtered,        // address-dependent filtering (RFC 6146 §3.5.1)
  Exhausted,       // no free pool4 port for a new BIB entry
  SessionLimit,    // Settings::max_sessions reached
  SynDropped,      // unsolicited IPv4 SYN, drop_external_tcp_syn set (§3.5.2.2)
  SynUnsolicited,  // unsolicited IPv4 SYN, not dropped by policy: see steps/filtering_and_updating.cpp
};

class StateImpl final : public State {
 public:
  explicit StateImpl(const Settings& s);
  ~StateImpl() override;

  void expire(uint64_t now_ms, const std::function<void(std::span<const uint8_t>)>& send_icmp) override;
  using State::expire;
  void set_session_sink(SessionSink* sink) override {
    sink_ = sink;
    reports_tcp_ = sink && sink->reports_tcp();
  }
  void apply_reported(uint64_t now_ms) override;
  std::vector<BibInfo> bib() const override;
  std::vector<SessionInfo> sessions(uint64_t now_ms) const override;
  void visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const override;
  Sharding sharding() const override;

  // §3.5 for a packet from the IPv6 side (source = inside endpoint, destination = peer). `tcp` is set
  // for TCP. `may_create` false = lookup only (ICMP errors: they never create or refresh state).
  Verdict from_v6(Proto p, const Ipv6Addr& addr6, uint16_t port6, Ipv4Addr remote4, uint16_t rport,
                  const TcpSegment* tcp, bool may_create, uint64_t now_ms, Binding& out);
  // §3.5 for a packet from the IPv4 side (destination = pool4 endpoint, source = peer).
  Verdict from_v4(Proto p, Ipv4Addr addr4, uint16_t port4, Ipv4Addr remote4, uint16_t rport, const TcpSegment* tcp,
                  bool may_create, uint64_t now_ms, Binding& out);

  const Settings& settings() const { return settings_; }
  const Pool4& pool4() const { return pool_; }
  // Port blocks: how many are held now (0 with blocks off).
  uint64_t port_blocks_in_use() const;
  // Shared by all workers: fragments of one datagram may reach different workers.
  Reassembler& reassembler() { return reasm_; }
  // §3.5.2.2: unsolicited IPv4 SYNs waiting TCP_INCOMING_SYN seconds for the inside host's SYN.
  IncomingSyns& incoming_syns() { return syns_; }

 private:
  struct Bib6Hash {
    uint64_t seed;
    uint64_t operator()(const Bib& b) const { return key6(seed, b.proto, b.addr6, b.port6); }
  };
  struct Bib4Hash {
    uint64_t seed;
    uint64_t operator()(const Bib& b) const { return key4(seed, b.proto, b.addr4, b.port4); }
  };
  struct SessionHash {
    uint64_t seed;
    uint64_t operator()(const Session& s) const { return skey(seed, s.bib, s.remote4, s.rport); }
  };
  struct List {
    Session* head = nullptr;
    Session* tail = nullptr;
  };
  struct Shard {
    explicit Shard(uint64_t s) : seed(s), by6(Bib6Hash{s}), by4(Bib4Hash{s ^ 1}), index(SessionHash{s ^ 2}) {}
    mutable std::mutex mu;
    const uint64_t seed;
    IntrusiveHash<Bib, &Bib::next6, Bib6Hash> by6;
    IntrusiveHash<Bib, &Bib::next4, Bib4Hash> by4;
    IntrusiveHash<Session, &Session::hnext, SessionHash> index;
    std::array<List, kTimers> lists;
    std::array<uint64_t, kProtos> bibs{}, dynamic_bibs{}, sessions{};
  };

 public:
  static uint64_t key6(uint64_t seed, Proto p, const Ipv6Addr& a, uint16_t port);
  static uint64_t key4(uint64_t seed, Proto p, Ipv4Addr a, uint16_t port);
  static uint64_t skey(uint64_t seed, const Bib* b, Ipv4Addr r, uint16_t rport);

 private:
  unsigned shard6(Proto p, const Ipv6Addr& a, uint16_t port) const;
  Bib* find6(Shard& sh, Proto p, const Ipv6Addr& a, uint16_t port) const;
  Bib* find4(Shard& sh, Proto p, Ipv4Addr a, uint16_t port) const;
  Session* find_session(Shard& sh, const Bib* b, Ipv4Addr r, uint16_t rport) const;
  // §3.5.1.1: a free pool4 transport address of `shard` for a new dynamic BIB entry of (a6, p6):
  // from the pool at large, or with port blocks from a6's blocks (a new block when they are full).
  std::optional<Transport4> allocate(Shard& sh, unsigned shard, Proto p, const Ipv6Addr& a6, uint16_t p6, uint64_t now);
  std::optional<Transport4> allocate_in_blocks(Shard& sh, unsigned shard, Proto p, const Ipv6Addr& a6, uint16_t p6,
                                               uint64_t now);
  void log_block(LogEvent::Kind k, const Ipv6Addr& host, uint64_t id, uint64_t now) const;
  Bib* add_bib(Shard& sh, Proto p, const Ipv6Addr& a6, uint16_t p6, Transport4 t4, bool is_static, uint64_t now);
  void remove_bib(Shard& sh, Bib* b, uint64_t now);
  Session* add_session(Shard& sh, Bib* b, Ipv4Addr r, uint16_t rport, uint64_t now);
  void remove_session(Shard& sh, Session* s, uint64_t now);
  void set_timer(Shard& sh, Session* s, Timer t, uint64_t now);  // (re)arms: moves to the FIFO tail
  uint64_t timeout_ms(Timer t) const;
  void log(LogEvent::Kind k, const Bib& b, const Session* s, uint64_t now) const;
  static Binding binding(const Session& s);
  bool session_allowed() const;

  // RFC 792 / RFC 8200 §4.5: the Time Exceeded (code 1) for a datagram whose reassembly timed out,
  // quoting its first fragment `first`, handed to `send` (nothing with errors off, or for a datagram
  // that was not addressed to the NAT64: a pool4 address, the prefix).
  void reassembly_timed_out(std::span<const uint8_t> first, const std::function<void(std::span<const uint8_t>)>& send);

  // Shared by the steps in filtering_and_updating.cpp.
  // `counts`: a packet the daemon translated (not one the fast path reported).
  Verdict refresh(Shard& sh, Session* s, const TcpSegment* tcp, uint64_t now, bool counts = true);

  // The fast path (sink_): a session of a kind it may serve (UDP, ICMP, TCP ESTABLISHED; with
  // reports_tcp_ also TCP opening or half closed) is published once the daemon has translated
  // kPublishAfter of its packets while of that kind (nat64/session_sink.hpp; a TCP session with
  // reports from the SYN that opens it on, see refresh()), unless hairpinned (its peer a pool4
  // address: RFC 6146 §3.8 stays in the daemon).
  bool fast_kind(const Session& s) const {
    if (s.bib->proto != Proto::Tcp || s.tcp == TcpState::Established) return true;
    return reports_tcp_ && (s.tcp == TcpState::V4Init || s.tcp == TcpState::V6Init || s.tcp == TcpState::V4FinRcv ||
                            s.tcp == TcpState::V6FinRcv);
  }
  bool published(const Session& s) const {
    return sink_ && fast_kind(s) && s.daemon_packets == kPublishAfter && !pool_.contains(s.remote4);
  }
  FastSession fast_view(const Session& s) const;
  // After the daemon translated a packet of `s` (`counts`) or changed its state, `was` its
  // published() before: counts the packet, publishes or withdraws it.
  void sync_fast(Session& s, bool was, bool counts);
  // A due session the fast path serves and translated a packet of within its lifetime: its timer is
  // rearmed (true) instead of it expiring.
  bool kept_by_fast_path(Shard& sh, Session* s, uint64_t now);

  const Settings settings_;
  const uint64_t secret_;
  Pool4 pool_;
  // Port blocks, shared by all shards (a host's BIB entries are spread over them); blocks_mu_ is
  // taken under a shard's lock, never the other way round.
  PortBlocks blocks_;
  mutable std::mutex blocks_mu_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // Static BIB entries by IPv6 transport address -> the shard holding them. Built once, read-only.
  std::unordered_map<uint64_t, std::vector<std::pair<const Bib*, unsigned>>> static6_;
  std::atomic<uint64_t> total_sessions_{0};
  Reassembler reasm_;
  IncomingSyns syns_;
  std::atomic<uint64_t> reasm_answered_{0};  // Time Exceeded sent for timed-out reassemblies
  SessionSink* sink_ = nullptr;
  bool reports_tcp_ = false;                // sink_->reports_tcp()
  std::atomic<uint64_t> reported_{0};       // reported segments applied to a session
  std::atomic<uint64_t> reported_gone_{0};  // ... whose session had gone
};

}  // namespace sixfour::nat64
