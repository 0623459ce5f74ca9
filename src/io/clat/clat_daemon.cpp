#include "io/clat/clat_daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "addr/rfc6052.hpp"
#include "io/clat/probe.hpp"
#include "io/gateway/host.hpp"
#include "io/sys/rfc7050_lookup.hpp"

namespace sixfour::io {

namespace {

using namespace std::chrono_literals;
using clat::Clock;

// RFC 7217 §5: the secret key must stay the same across restarts, or the address would change with
// every start. Kept where a Debian service keeps state; a fresh random key for this run otherwise.
constexpr const char* kKeyDir = "/var/lib/sixfour";
constexpr const char* kKeyFile = "/var/lib/sixfour/clat.key";

clat::SipKey load_or_create_key() {
  clat::SipKey key{};
  if (Fd in{::open(kKeyFile, O_RDONLY | O_CLOEXEC)}; in && ::read(in.get(), key.data(), key.size()) == 16) return key;
  if (::getrandom(key.data(), key.size(), 0) != static_cast<ssize_t>(key.size()))
    spdlog::warn("getrandom: {}", std::strerror(errno));
  ::mkdir(kKeyDir, 0755);
  Fd out{::open(kKeyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (!out || ::write(out.get(), key.data(), key.size()) != 16)
    spdlog::warn("cannot keep the address key in {} ({}): the CLAT address changes with every start", kKeyFile,
                 std::strerror(errno));
  return key;
}

// RFC 6877 §6.3 / RFC 7915: the IPv4 side's MTU is the IPv6 path's minus 28 (the IPv6 header is 20
// bytes longer, and a Fragment Header 8 more), capped by --mtu.
unsigned ipv4_mtu(unsigned ipv6_path_mtu, unsigned cap) {
  const unsigned m = ipv6_path_mtu > 28 ? ipv6_path_mtu - 28 : 0;
  return std::max(1252u, std::min(m, cap));
}

// An ND responder: answers neighbour solicitations for the CLAT's address with the uplink's MAC, so
// that the router delivers to it (RFC 4861 §7.2.4). Runs on the incoming loop's thread.
class NdResponder final : public NdHandler {
 public:
  NdResponder(const Ipv6Addr& ours, const clat::Mac& mac, UplinkTx& tx) : ours_(ours), mac_(mac), tx_(tx) {}
  void handle(std::span<const uint8_t> pkt) override {
    const auto m = clat::parse_nd(pkt);
    if (!m) return;
    if (clat::dad_conflict(*m, ours_) && m->type == clat::NdMessage::NeighborAdvertisement) {
      conflicts.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    uint8_t buf[128];
    const auto n = clat::answer_solicitation(*m, ours_, mac_, buf);
    if (n && tx_.send({buf, *n}) > 0) answered.fetch_add(1, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> conflicts{0};

 private:
  const Ipv6Addr ours_;
  const clat::Mac mac_;
  UplinkTx& tx_;
};

// Counters of two snapshots added: worker 0 "out", worker 1 "in".
void add_to(StatsSnapshot& into, const StatsSnapshot& s) {
  into.workers.resize(2);
  into.io.resize(2);
  for (size_t d = 0; d < 2 && d < s.workers.size() && d < s.io.size(); ++d) {
    into.workers[d] += s.workers[d];
    into.io[d] += s.io[d];
  }
}

// The raw socket, waiting (briefly) for room in its buffer rather than dropping a burst: the
// segments of one super-packet arrive together.
class TxOut final : public Ipv6Out {
 public:
  explicit TxOut(UplinkTx& tx) : tx_(tx) {}
  bool send(std::span<const uint8_t> pkt) override {
    const std::span<const uint8_t> one[1] = {pkt};
    return send_all(one) == 1;
  }
  size_t send_all(std::span<const std::span<const uint8_t>> pkts) override {
    size_t tried = 0, sent = 0;
    int waits = 0;
    while (tried < pkts.size()) {
      const size_t n = tx_.send_batch(pkts.subspan(tried));
      tried += n;
      sent += n;
      if (tried == pkts.size()) break;
      if (errno == EAGAIN && waits++ < 10) {
        pollfd p{tx_.fd(), POLLOUT, 0};
        ::poll(&p, 1, 10);
        continue;
      }
      ++tried;  // refused (EMSGSIZE, no route, ...): skipped, and the caller counts it
    }
    return sent;
  }

 private:
  UplinkTx& tx_;
};

}  // namespace

struct ClatDaemon::Active {
  Active(UplinkRx r, UplinkTx t, const Ipv6Addr& v6, const clat::Mac& mac)
      : rx(std::move(r)), tx(std::move(t)), nd(v6, mac, tx), out(tx) {}
  UplinkRx rx;
  UplinkTx tx;
  std::optional<SolicitedNodeGroup> group;  // dedicated mode
  NdResponder nd;                           // dedicated mode: answers for the CLAT's address
  TxOut out;
  std::unique_ptr<clat::PortMap> ports;  // shared mode
  ReservedPorts reserved;                // shared mode
  bool nft_applied = false;              // shared mode
  std::string uplink;
  int ifindex = 0;
  unsigned uplink_mtu = 1500;
  clat::Mapping mapping;
  clat::AddressMode mode = clat::AddressMode::Dedicated;
  std::string mode_reason;
  unsigned mtu = 0;
  uint32_t metric = 0;
  bool address_added = false;
  bool route_added = false;
};

std::string to_json(const ClatStatus& s) {
  nlohmann::ordered_json j;
  j["state"] = s.state;
  j["reason"] = s.reason;
  j["tun"] = s.tun;
  j["uplink"] = s.uplink;
  j["prefix"] = s.prefix;
  j["prefix_source"] = s.prefix_source;
  j["prefix_status"] = s.prefix_status;
  j["address_mode"] = s.address_mode;
  j["address_mode_reason"] = s.address_mode_reason;
  j["ipv6"] = s.ipv6;
  j["ipv4"] = s.ipv4;
  j["mtu"] = s.mtu;
  j["uplink_mtu"] = s.uplink_mtu;
  j["metric"] = s.metric;
  j["activations"] = s.activations;
  j["nd_answered"] = s.nd_answered;
  return j.dump();
}

ClatDaemon::ClatDaemon(const clat::DaemonConfig& cfg, const Tun& tun, Netlink& nl, int tun_ifindex)
    : cfg_(cfg),
      tun_(tun),
      nl_(nl),
      tun_ifindex_(tun_ifindex),
      tun_queue_(tun.fd(0)),
      ladder_(cfg.prefix, cfg.probe),
      started_(Clock::now()) {
  status_.tun = tun.name();
  retired_.workers.resize(2);
  retired_.io.resize(2);
}

ClatDaemon::~ClatDaemon() { stop(); }

Status ClatDaemon::start() {
  auto snap = read_host(nl_);
  if (!snap) return Error{snap.error()};
  host_ = std::move(snap).value();
  // A table of ours still there: a run in the shared mode ended without cleaning up (kill -9). Its
  // reserved ports are then ours to free as well.
  stale_shared_ = static_cast<bool>(nft_run(clat::nft_shared_delete(cfg_.tun)));
  auto ev = HostEvents::open();
  if (!ev) return Error{ev.error()};
  events_.emplace(std::move(ev).value());
  key_ = load_or_create_key();
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  thread_ = std::thread([this] { run(); });
  return Ok{};
}

std::string ClatDaemon::stop() {
  if (!thread_.joinable()) return {};
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
  thread_.join();
  const bool was_active = active_ != nullptr;
  deactivate();
  return was_active ? "stepped aside (route, addresses and data path removed)" : "";
}

void ClatDaemon::run() {
  tick(true);
  while (!stopping_.load()) {
    pollfd p[2] = {{events_->fd(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    const int r = ::poll(p, 2, 1000);
    if (stopping_.load()) break;
    bool changed = false;
    if (r > 0 && p[0].revents) {
      HostEvents::Batch b = events_->drain();
      changed = b.changed;
      const auto up = clat::find_uplink(host_, cfg_.uplink, cfg_.tun);
      for (const auto& o : b.pref64)
        if (o.ifindex == up.ifindex || cfg_.uplink.empty())
          ladder_.pref64(o.prefix, std::chrono::seconds(o.lifetime_s), Clock::now());
      if (!b.pref64.empty()) changed = true;
    }
    tick(changed);
  }
}

void ClatDaemon::tick(bool host_changed) {
  if (host_changed) {
    if (auto s = read_host(nl_))
      host_ = std::move(s).value();
    else
      spdlog::warn("reading the host: {}", s.error());
  }
  refresh_prefixes();
  check_conflict();
  reconcile();
  update_path_mtu();
}

// RFC 4862 §5.4.4 after the fact: another node advertises the CLAT's dedicated address. The CLAT
// gives it up; the next activation's duplicate address detection moves on to another one.
void ClatDaemon::check_conflict() {
  if (!active_ || active_->nd.conflicts.load(std::memory_order_relaxed) == 0) return;
  const std::string addr = active_->mapping.ipv6.str();
  spdlog::warn("another node advertises {}: giving it up", addr);
  deactivate();
  life_.abandon(fmt::format("address conflict on {}: taking another", addr));
}

// The discovery ladder's inputs that take time (issue 14, item 2): a Router Solicitation so that
// PREF64 arrives without waiting for the next periodic RA, RFC 7050 lookups, and one probe.
void ClatDaemon::refresh_prefixes() {
  if (cfg_.prefix) return;
  const auto up = clat::find_uplink(host_, cfg_.uplink, cfg_.tun);
  if (!up.present || !up.up) return;
  const auto now = Clock::now();
  if (now >= next_rs_ && up.mac) {
    if (auto st = send_router_solicitation(up.ifindex, *up.mac); !st)
      spdlog::debug("router solicitation: {}", st.error());
    next_rs_ = now + 10min;
  }
  if (now >= next_rfc7050_) {
    const auto prefixes = rfc7050_prefixes(rfc7050_lookup({}, 1500));
    ladder_.rfc7050(prefixes);
    next_rfc7050_ = Clock::now() + (prefixes.empty() ? 30s : 10min);
  }
  if (now >= forget_probes_at_ && !ladder_.choose(now).prefix) {
    ladder_.forget_probes();  // nothing worked: try the failed ones again now and then
    forget_probes_at_ = now + 60s;
  }
  const clat::PrefixChoice c = ladder_.choose(now);
  if (!c.probe_next) return;
  const ProbeResult r = probe_echo(c.probe_address, up.name, 1000ms, 2);
  spdlog::info("probe through {}: {}", c.probe_next->str(), r.detail);
  ladder_.probed(*c.probe_next, r.works);
}

clat::Facts ClatDaemon::facts(const clat::UplinkView& up, std::optional<clat::ModeChoice>& mode) const {
  clat::Facts f;
  f.uplink = up.name;
  f.uplink_present = up.present;
  f.uplink_up = up.up;
  if (auto m = clat::choose_mode(up.addresses, dedicated_failed_)) {
    mode = *m;
    f.uplink_prefix = m->prefix;
  }
  f.native_ipv4_metric = clat::native_ipv4_default_metric(host_, tun_ifindex_);
  f.nat64_prefix = ladder_.choose(Clock::now()).prefix;
  f.force = cfg_.force;
  return f;
}

void ClatDaemon::reconcile() {
  const auto up = clat::find_uplink(host_, cfg_.uplink, cfg_.tun);
  std::optional<clat::ModeChoice> mode;
  clat::Facts f = facts(up, mode);
  if (up.name != last_uplink_ || f.uplink_prefix != last_slash64_) {
    // Another network: the probes, the NAT64 and the DAD results may all differ.
    if (!last_uplink_.empty() || last_slash64_) {
      ladder_.forget_probes();
      next_rfc7050_ = next_rs_ = Clock::now();
      spdlog::info("uplink now {} ({})", up.name.empty() ? "none" : up.name,
                   f.uplink_prefix ? f.uplink_prefix->str() : "no /64");
    }
    last_uplink_ = up.name;
    last_slash64_ = f.uplink_prefix;
    if (dedicated_failed_) {
      dedicated_failed_ = false;
      f = facts(up, mode);
    }
  }
  for (clat::Action a : life_.update(f)) apply(a, up);
  std::lock_guard lock(mu_);
  status_.state = clat::name(life_.decision().state);
  status_.reason = life_.decision().reason;
  status_.address_mode = mode ? std::string(clat::name(mode->mode)) : "";
  status_.address_mode_reason = mode ? mode->reason : "";
  publish_status(up);
}

void ClatDaemon::apply(clat::Action a, const clat::UplinkView& up) {
  spdlog::info("{}: {}", clat::name(a), life_.decision().reason);
  Status st = Ok{};
  switch (a) {
    case clat::Action::Activate:
      st = activate(up);
      break;
    case clat::Action::Deactivate:
      deactivate();
      return;
    case clat::Action::Readdress:
      deactivate();
      st = activate(up);
      break;
    case clat::Action::ChangePrefix:
      if (!active_) return;
      active_->mapping.plat = *ladder_.choose(Clock::now()).prefix;
      st = start_plane();
      break;
    case clat::Action::ChangeMetric:
      st = install_route();
      break;
  }
  if (!st) {
    spdlog::error("{}", st.error());
    deactivate();
    life_.abandon(st.error());
  }
}

Result<Ipv6Addr> ClatDaemon::dedicated_address(const clat::UplinkView& up, const Ipv6Prefix& slash64) {
  std::vector<Ipv6Addr> own;
  for (const auto& a : up.addresses) own.push_back(a.address);
  uint8_t counter = 0;
  while (counter <= clat::kIdgenRetries) {
    auto sa = clat::stable_address(key_, slash64, up.name, counter, own);
    if (!sa) break;
    auto dup = run_dad(up.ifindex, sa->address, 1000ms);
    if (!dup) return Error{"duplicate address detection: " + dup.error()};
    if (!*dup) return sa->address;
    spdlog::warn("{} is in use on {} (duplicate address detection): trying another", sa->address.str(), up.name);
    counter = static_cast<uint8_t>(sa->dad_counter + 1);
  }
  dedicated_failed_ = true;
  return Error{fmt::format("no dedicated address in {} passed duplicate address detection", slash64.str())};
}

Status ClatDaemon::activate(const clat::UplinkView& up) {
  auto mode = clat::choose_mode(up.addresses, dedicated_failed_);
  if (!mode) return Error{mode.error()};
  if (!up.mac) return Error{fmt::format("uplink {} has no link-layer address", up.name)};
  const bool shared = mode->mode == clat::AddressMode::SharedHostAddress;
  Ipv6Addr v6 = mode->prefix.addr;  // shared: the host's own address (a /128)
  if (!shared) {
    auto a = dedicated_address(up, mode->prefix);
    if (!a) return Error{a.error()};
    v6 = *a;
  }
  auto v4 = clat::pick_ipv4(clat::ipv4_in_use(host_, tun_ifindex_));
  if (!v4) return Error{v4.error()};
  auto rx = UplinkRx::open(up.ifindex);
  if (!rx) return Error{rx.error()};
  auto tx = UplinkTx::open(up.ifindex);
  if (!tx) return Error{tx.error()};
  active_ = std::make_unique<Active>(std::move(rx).value(), std::move(tx).value(), v6, *up.mac);
  Active& a = *active_;
  a.uplink = up.name;
  a.ifindex = up.ifindex;
  a.uplink_mtu = up.mtu ? up.mtu : 1500;
  a.mapping = {*v4, v6, *ladder_.choose(Clock::now()).prefix};
  a.mode = mode->mode;
  a.mode_reason = mode->reason;
  a.mtu = ipv4_mtu(a.uplink_mtu, cfg_.mtu);
  if (auto st = shared ? share_host_address() : own_address(); !st) return st;
  if (auto st = nl_.add_address4(tun_ifindex_, *v4, 32); !st) return st;
  a.address_added = true;
  if (auto st = nl_.set_mtu(tun_ifindex_, a.mtu); !st) return st;
  if (auto st = start_plane(); !st) return st;
  return install_route();
}

// Dedicated mode: the packet socket takes the CLAT's address, and its solicited-node group is joined
// so that neighbour solicitations for it arrive (answered by the NdResponder).
Status ClatDaemon::own_address() {
  Active& a = *active_;
  if (auto st = a.rx.set_address(a.mapping.ipv6); !st) return st;
  auto group = SolicitedNodeGroup::join(a.ifindex, a.mapping.ipv6);
  if (!group) return Error{group.error()};
  a.group.emplace(std::move(group).value());
  return Ok{};
}

// Shared mode (clat/port_map.hpp): the host's ports move into the CLAT's range, which the kernel
// never uses itself (reserved) and never sees (sixfour's nftables table drops it before the stack).
Status ClatDaemon::share_host_address() {
  Active& a = *active_;
  const clat::PortRange range;
  a.ports = std::make_unique<clat::PortMap>(range);
  a.mapping.ports = a.ports.get();
  if (auto st = a.reserved.reserve(range.first, range.last(), stale_shared_); !st) return st;
  stale_shared_ = false;
  if (auto st = nft_run(clat::nft_shared_apply(cfg_.tun, a.mapping.ipv6, range)); !st)
    return Error{"nftables: " + st.error()};
  a.nft_applied = true;
  return a.rx.set_shared(a.mapping.ipv6, range.first, range.last());
}

// (Re)starts the data path with the current mapping and MTUs; the plane is made once per
// activation (its sockets are the activation's), and restarted in place after that.
Status ClatDaemon::start_plane() {
  xlat::Config x = clat::xlat_config(active_->mapping, static_cast<uint16_t>(active_->mtu));
  x.mtu6 = static_cast<uint16_t>(std::min(active_->uplink_mtu, 65535u));
  std::lock_guard lock(mu_);
  if (!plane_) {
    const ClatPlane::Ports ports{tun_queue_,  tun_.fd(0),       tun_.vnet_hdr(), (tun_.offloads() & Tun::kUso4) != 0,
                                 active_->rx, active_->rx.fd(), active_->out,    &active_->nd};
    plane_ = std::make_unique<ClatPlane>(ports);
  }
  return plane_->start(active_->mapping, x);
}

Status ClatDaemon::install_route() {
  const uint32_t metric = life_.decision().metric;
  if (active_->route_added && active_->metric != metric) {
    (void)del_default_route4(nl_, tun_ifindex_, active_->metric);
    active_->route_added = false;
  }
  const unsigned advmss = active_->mtu - 40;  // IPv4 and TCP headers
  if (auto st = add_default_route4(nl_, tun_ifindex_, metric, active_->mtu, advmss, active_->mapping.ipv4); !st)
    return st;
  active_->metric = metric;
  active_->route_added = true;
  return Ok{};
}

// A Packet Too Big from a router on the way to the PLAT (not from the PLAT prefix): the IPv6 path
// every translated packet takes is narrower than the uplink, so the IPv4 route shrinks with it.
void ClatDaemon::update_path_mtu() {
  std::unique_lock lock(mu_);
  const uint32_t ptb = plane_ ? plane_->take_path_mtu() : 0;
  lock.unlock();
  if (!active_ || ptb == 0 || ptb >= active_->uplink_mtu) return;
  const unsigned mtu = ipv4_mtu(ptb, cfg_.mtu);
  if (mtu >= active_->mtu) return;
  spdlog::info("Packet Too Big from the path to the PLAT: MTU {} (IPv4 route MTU {} -> {})", ptb, active_->mtu, mtu);
  active_->uplink_mtu = ptb;
  active_->mtu = mtu;
  if (auto st = nl_.set_mtu(tun_ifindex_, mtu); !st) spdlog::warn("TUN MTU: {}", st.error());
  if (auto st = install_route(); !st) spdlog::warn("route MTU: {}", st.error());
  if (auto st = start_plane(); !st) spdlog::warn("data path: {}", st.error());
}

void ClatDaemon::deactivate() {
  {
    std::lock_guard lock(mu_);
    if (plane_) {
      plane_->stop();
      add_to(retired_, plane_->stats());
      plane_.reset();
    }
  }
  if (!active_) return;
  if (active_->route_added) (void)del_default_route4(nl_, tun_ifindex_, active_->metric);
  if (active_->nft_applied) (void)nft_run(clat::nft_shared_delete(cfg_.tun));
  active_->reserved.release();
  if (active_->address_added) (void)nl_.del_address4(tun_ifindex_, active_->mapping.ipv4, 32);
  active_.reset();
}

void ClatDaemon::publish_status(const clat::UplinkView& up) {
  const clat::PrefixChoice c = ladder_.choose(Clock::now());
  status_.uplink = up.name;
  status_.prefix = c.prefix ? c.prefix->str() : "";
  status_.prefix_source = c.prefix ? std::string(clat::name(c.source)) : "";
  status_.prefix_status = c.status;
  status_.activations = life_.activations();
  status_.metric = life_.decision().metric;
  if (active_) {
    status_.ipv6 = active_->mapping.ipv6.str();
    status_.ipv4 = active_->mapping.ipv4.str();
    status_.mtu = active_->mtu;
    status_.uplink_mtu = active_->uplink_mtu;
    status_.nd_answered = active_->nd.answered.load(std::memory_order_relaxed);
  } else {
    status_.ipv6 = status_.ipv4 = "";
    status_.mtu = status_.uplink_mtu = 0;
  }
}

ClatStatus ClatDaemon::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::string ClatDaemon::stats_json() const {
  std::lock_guard lock(mu_);
  StatsSnapshot s = retired_;
  if (plane_) add_to(s, plane_->stats());
  s.tun = tun_.name();
  s.offloads = tun_.offload_names();
  s.uptime_seconds =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count());
  auto j = nlohmann::ordered_json::parse(to_json(s));
  j["clat"] = nlohmann::ordered_json::parse(io::to_json(status_));
  return j.dump();
}

}  // namespace sixfour::io
