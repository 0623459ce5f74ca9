#include "io/dataplane/nat64_daemon.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/sys/tun_steering.hpp"
#include "nat64/config.hpp"
#include "xlat/offload.hpp"

namespace sixfour::io {

namespace {

// How often the housekeeping thread lets the State reclaim expired sessions. Lifetimes are whole
// seconds (RFC 6146 §4), so half a second keeps every session within 0.5 s of its deadline.
constexpr int kExpireIntervalMs = 500;
// How often it applies the TCP segments the fast path reported (nat64::State::apply_reported): the
// ring buffer (4 MiB, 40 bytes a record with its header) holds 100 000 of them, 2 million a second.
constexpr int kReportIntervalMs = 50;

// Translator counters of one worker (or their sum) as JSON members: "in4":1,... and the drops as
// "drops":{"no-bib":2,...} with their sum as "dropped".
void translator_json(Json& out, const std::vector<std::pair<std::string, uint64_t>>& c, const IoCounters& io) {
  uint64_t dropped = io.offload_malformed;
  Json drops = Json::object();
  for (const auto& [name, v] : c) {
    if (name.rfind("drops.", 0) == 0) {
      dropped += v;
      drops[name.substr(6)] = v;
    } else {
      out[name] = v;
    }
  }
  drops[std::string(kOffloadMalformed)] = io.offload_malformed;
  out["dropped"] = dropped;
  io_json(out, io);
  out["drops"] = std::move(drops);
}

// One JSON object per line: "[\n{...},\n{...}\n]\n" (what `sixfour nat64 sessions --json` prints).
std::string json_lines(const std::vector<Json>& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) out += (i ? ",\n" : "\n") + json_text(rows[i]);
  return out + "\n]\n";
}

// "2026-11-26T10:41:02.123Z" for a monotonic time in the recent past (RFC 6888 §4 logs need wall
// time; the State reports monotonic time).
std::string wall_time(uint64_t mono_ms) {
  timespec rt{};
  ::clock_gettime(CLOCK_REALTIME, &rt);
  const uint64_t now_mono = Nat64Daemon::now_ms();
  int64_t wall_ms = static_cast<int64_t>(rt.tv_sec) * 1000 + rt.tv_nsec / 1000000 -
                    static_cast<int64_t>(now_mono - std::min(mono_ms, now_mono));
  time_t secs = static_cast<time_t>(wall_ms / 1000);
  tm utc{};
  ::gmtime_r(&secs, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, wall_ms % 1000);
}

void log_event(const nat64::LogEvent& e) {
  using K = nat64::LogEvent::Kind;
  // Port blocks: one line per block given or taken back (RFC 6888 REQ-14): the inside address and
  // the outside address with its port range.
  if (e.kind == K::BlockAdded || e.kind == K::BlockRemoved) {
    spdlog::info("{} {} inside {} outside {}#{}-{}", wall_time(e.time_ms),
                 e.kind == K::BlockAdded ? "block-add" : "block-del", e.addr6.str(), e.addr4.str(), e.port4,
                 e.port4_last);
    return;
  }
  const char* what = e.kind == K::BibAdded       ? "bib-add"
                     : e.kind == K::BibRemoved   ? "bib-del"
                     : e.kind == K::SessionAdded ? "session-add"
                                                 : "session-del";
  const bool session = e.kind == K::SessionAdded || e.kind == K::SessionRemoved;
  // One line per event: time, proto, inside transport address, outside transport address, and
  // for sessions the IPv4 peer (RFC 6888 REQ-12: enough to identify the inside host afterwards).
  std::string line = fmt::format("{} {} {} inside {}#{} outside {}#{}", wall_time(e.time_ms), what,
                                 nat64::proto_name(e.proto), e.addr6.str(), e.port6, e.addr4.str(), e.port4);
  // ICMP query sessions have no remote port: the identifier is the inside/outside "port".
  if (session && e.proto == IPPROTO_ICMPV6)
    line += " remote " + e.remote4.str();
  else if (session)
    line += fmt::format(" remote {}#{}", e.remote4.str(), e.remote_port4);
  spdlog::info("{}", line);
}

}  // namespace

uint64_t Nat64Daemon::now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

namespace {

// One data-plane worker: its own Translator over the shared State.
class Nat64Worker final : public DataPlane::Worker {
 public:
  Nat64Worker(std::unique_ptr<nat64::Translator> t, Nat64Daemon::Published& pub)
      : translator_(std::move(t)), pub_(pub) {}
  // One clock read per wake-up: a batch takes well under a millisecond.
  void begin_batch() override { now_ = Nat64Daemon::now_ms(); }
  void translate(std::span<const uint8_t> in, xlat::Output& out) override { translator_->translate(in, now_, out); }
  void publish() override { Nat64Daemon::publish(pub_, *translator_); }

 private:
  std::unique_ptr<nat64::Translator> translator_;
  Nat64Daemon::Published& pub_;
  uint64_t now_ = Nat64Daemon::now_ms();
};

}  // namespace

Nat64Daemon::Nat64Daemon(nat64::Settings settings, const Tun& tun, bool log_sessions)
    : settings_(std::move(settings)), tun_(tun), published_(new Published[tun.queues()]), plane_(tun, settings_.xlat) {
  // Port blocks are always logged (that is what they are for); BIB entries and sessions with
  // --log-sessions.
  settings_.log_per_session = log_sessions;
  if (log_sessions || settings_.port_block_size != 0) settings_.log = log_event;
}

Status Nat64Daemon::start() {
  state_ = nat64::State::create(settings_);
  if (!state_) return Error{"cannot create the NAT64 state (BIB and session tables)"};
  // With the fast path the TUN carries a flow's first packets (a TCP connection's SYN), so a worker's
  // wake-up is what they wait for: one on the CPU that routed the packet, not across CPUs.
  TunSteering how{TunSteering::Kind::Nat64Shard, state_->sharding(), {}};
  if (sink_) how.worker_cpus = cpus_for_workers(tun_.queues());
  bool by_cpu = false;
  steering_ = steer_flows(tun_, how, &by_cpu);
  if (by_cpu) plane_.pin_workers(how.worker_cpus);
  state_->set_session_sink(sink_);
  std::vector<std::unique_ptr<DataPlane::Worker>> workers;
  // The ICMP error limits are shared by the workers and the housekeeping thread, whose timed-out
  // reassemblies and unsolicited SYNs are answered with errors too.
  const auto shares = static_cast<unsigned>(tun_.queues() + 1);
  expire_limit_ = xlat::IcmpLimits::share(settings_.xlat, shares, std::random_device{}());
  for (size_t q = 0; q < tun_.queues(); ++q) {
    auto t = nat64::Translator::create(settings_, *state_);
    if (!t) return Error{"cannot create a NAT64 translator"};
    t->limit_icmp_errors(xlat::IcmpLimits::share(settings_.xlat, shares, std::random_device{}()));
    publish(published_[q], *t);
    workers.push_back(std::make_unique<Nat64Worker>(std::move(t), published_[q]));
  }
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  if (auto st = plane_.start(std::move(workers)); !st) return st;
  housekeeping_ = std::thread([this] { housekeeping(); });
  return Ok{};
}

void Nat64Daemon::stop() {
  plane_.stop();
  if (stop_fd_) {
    uint64_t one = 1;
    // Level-triggered and never read: the housekeeping poll() sees it.
    [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
  }
  if (housekeeping_.joinable()) housekeeping_.join();
}

void Nat64Daemon::publish(Published& p, const nat64::Translator& t) {
  std::lock_guard lock(p.m);
  size_t i = 0;
  // Names are stable, so after the first publish this only stores numbers (no allocation).
  t.visit_counters([&p, &i](std::string_view name, uint64_t v) {
    if (i == p.translator.size())
      p.translator.emplace_back(std::string(name), v);
    else {
      if (p.translator[i].first != name) p.translator[i].first.assign(name);
      p.translator[i].second = v;
    }
    ++i;
  });
  p.translator.resize(i);
}

void Nat64Daemon::housekeeping() {
  pollfd pfd = {stop_fd_.get(), POLLIN, 0};
  uint64_t next_expiry = now_ms() + kExpireIntervalMs;
  const int tick = sink_ && sink_->reports_tcp() ? kReportIntervalMs : kExpireIntervalMs;
  for (;;) {
    int r = ::poll(&pfd, 1, tick);
    if (r < 0 && errno != EINTR) break;
    if (r > 0) break;  // stop_fd_
    const uint64_t now = now_ms();
    if (now < next_expiry) {
      state_->apply_reported(now);
      continue;
    }
    next_expiry = now + kExpireIntervalMs;
    // RFC 6146 §3.5.2.2: stored unsolicited SYNs whose TCP_INCOMING_SYN ran out are answered with
    // ICMP Port Unreachable, idle ESTABLISHED sessions probed, timed-out reassemblies answered with
    // Time Exceeded (RFC 792, RFC 8200 §4.5): written into the TUN like any translated packet.
    state_->expire(now, [this, now](std::span<const uint8_t> icmp) {
      if (!xlat::admit_packet(expire_limit_, now, icmp)) {  // the TCP probes always pass
        expire_limited_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      uint8_t vnet[xlat::offload::kVnetHdrLen] = {};  // no offload metadata
      iovec iov[2] = {{vnet, sizeof vnet}, {const_cast<uint8_t*>(icmp.data()), icmp.size()}};
      const int n = tun_.vnet_hdr() ? 2 : 1;
      [[maybe_unused]] ssize_t w = ::writev(tun_.fd(0), tun_.vnet_hdr() ? iov : iov + 1, n);
    });
  }
}

std::string Nat64Daemon::stats_json() const {
  const size_t workers = tun_.queues();
  std::vector<std::vector<std::pair<std::string, uint64_t>>> per(workers);
  const std::vector<IoCounters> io = plane_.io();
  for (size_t w = 0; w < workers; ++w) {
    std::lock_guard lock(published_[w].m);
    per[w] = published_[w].translator;
  }
  // Sum by name, in the first worker's order (names are the same for every worker).
  std::vector<std::pair<std::string, uint64_t>> total;
  std::map<std::string, size_t> index;
  IoCounters io_total;
  for (size_t w = 0; w < workers; ++w) {
    for (const auto& [name, v] : per[w]) {
      auto [it, added] = index.try_emplace(name, total.size());
      if (added) total.emplace_back(name, 0);
      total[it->second].second += v;
    }
    io_total += io[w];
  }
  // The housekeeping thread's errors suppressed by the limits count with the workers' ones.
  for (auto& [name, v] : total)
    if (name == "icmp-errors-limited") v += expire_limited_.load(std::memory_order_relaxed);
  const uint64_t up = plane_.uptime_seconds();

  Json j = {{"tun", tun_.name()}, {"workers", workers}, {"offloads", tun_.offload_names()}, {"uptime_seconds", up}};
  const xlat::Config& x = settings_.xlat;
  j["icmp_source"] = {{"ipv4", x.self4.str()}, {"ipv6", x.self6.str()}};
  translator_json(j, total, io_total);
  Json& state = j["state"] = Json::object();
  if (state_) state_->visit_counters([&](std::string_view name, uint64_t v) { state[std::string(name)] = v; });
  if (fast_stats_) fast_path_json(j, fast_stats_());
  Json& per_worker = j["per_worker"] = Json::array();
  for (size_t w = 0; w < workers; ++w) {
    Json one = Json::object();
    translator_json(one, per[w], io[w]);
    per_worker.push_back(std::move(one));
  }
  return json_text(j) + "\n";
}

std::string Nat64Daemon::sessions_json() const {
  std::vector<Json> rows;
  if (state_) {
    for (const nat64::SessionInfo& s : state_->sessions(now_ms()))
      rows.push_back({{"proto", nat64::proto_name(s.proto)},
                      {"addr6", s.addr6.str()},
                      {"port6", s.port6},
                      {"remote6", s.remote6.str()},
                      {"remote_port6", s.remote_port6},
                      {"addr4", s.addr4.str()},
                      {"port4", s.port4},
                      {"remote4", s.remote4.str()},
                      {"remote_port4", s.remote_port4},
                      {"state", s.state},
                      {"expires_in_ms", s.expires_in_ms}});
  }
  return json_lines(rows);
}

std::string Nat64Daemon::bib_json() const {
  std::vector<Json> rows;
  if (state_) {
    for (const nat64::BibInfo& b : state_->bib())
      rows.push_back({{"proto", nat64::proto_name(b.proto)},
                      {"addr6", b.addr6.str()},
                      {"port6", b.port6},
                      {"addr4", b.addr4.str()},
                      {"port4", b.port4},
                      {"static", b.is_static},
                      {"sessions", b.sessions}});
  }
  return json_lines(rows);
}

}  // namespace sixfour::io
