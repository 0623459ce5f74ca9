// `sixfour clat`, the running CLAT (RFC 6877): a watcher thread that follows the host through
// netlink for as long as the daemon runs and applies what the pure core decides (clat/decision.hpp):
//
//   netlink events, RAs (PREF64), RFC 7050 answers, probe results
//     -> facts (clat/host_facts.hpp) and the prefix ladder (clat/prefix_ladder.hpp)
//     -> Lifecycle::update -> actions: activate, deactivate, readdress, change-prefix, change-metric
//     -> the host: the CLAT's IPv6 address (DAD, neighbour discovery), the TUN's 192.0.0.x, the IPv4
//        default route through the TUN (metric, MTU, advmss), the data path (io/clat/data_path.hpp).
//
// Everything it installs is removed when it steps aside and when it stops. The control socket's
// `status` and `stats` read the state under a lock.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "clat/address.hpp"
#include "clat/config.hpp"
#include "clat/decision.hpp"
#include "clat/host_facts.hpp"
#include "clat/mapper.hpp"
#include "clat/prefix_ladder.hpp"
#include "common/result.hpp"
#include "io/clat/data_path.hpp"
#include "io/clat/host_watch.hpp"
#include "io/clat/reserved_ports.hpp"
#include "io/clat/uplink.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/netlink.hpp"
#include "io/dataplane/tun_queue.hpp"
#include "io/sys/tun.hpp"

namespace sixfour::io {

// What `status` shows.
struct ClatStatus {
  std::string state = "inactive";
  std::string reason;
  std::string uplink;
  std::string prefix;  // "" while none
  std::string prefix_source;
  std::string prefix_status;
  std::string address_mode;
  std::string address_mode_reason;
  std::string ipv6;  // the CLAT's IPv6 address while active
  std::string ipv4;
  unsigned mtu = 0;  // of the IPv4 route and the TUN
  unsigned uplink_mtu = 0;
  uint32_t metric = 0;
  uint64_t activations = 0;
  uint64_t nd_answered = 0;
  std::string tun;
};
std::string to_json(const ClatStatus& s);

class ClatDaemon {
 public:
  // `tun` (opened with one queue) and `nl` must outlive the daemon; `tun_ifindex` is the TUN's.
  ClatDaemon(const clat::DaemonConfig& cfg, const Tun& tun, Netlink& nl, int tun_ifindex);
  ClatDaemon(const ClatDaemon&) = delete;
  ClatDaemon& operator=(const ClatDaemon&) = delete;
  ~ClatDaemon();

  // Refuses (one-line error) where another CLAT runs; then starts the watcher thread.
  Status start();
  // Steps aside (route, address, data path removed) and stops the watcher. Returns the stop text.
  std::string stop();

  ClatStatus status() const;
  std::string stats_json() const;

 private:
  struct Active;  // what is installed while active

  void run();
  void tick(bool host_changed);
  void refresh_prefixes();
  void check_conflict();
  void reconcile();
  void apply(clat::Action a, const clat::UplinkView& up);
  Status activate(const clat::UplinkView& up);
  void deactivate();
  Status own_address();
  Status share_host_address();
  Status start_plane();
  Status install_route();
  void update_path_mtu();
  Result<Ipv6Addr> dedicated_address(const clat::UplinkView& up, const Ipv6Prefix& slash64);
  clat::Facts facts(const clat::UplinkView& up, std::optional<clat::ModeChoice>& mode) const;
  void publish_status(const clat::UplinkView& up);

  const clat::DaemonConfig cfg_;
  const Tun& tun_;
  Netlink& nl_;
  const int tun_ifindex_;
  TunFdQueue tun_queue_;
  clat::SipKey key_{};
  clat::PrefixLadder ladder_;
  clat::Lifecycle life_;
  clat::HostSnapshot host_;
  std::optional<HostEvents> events_;
  std::unique_ptr<Active> active_;
  std::string last_uplink_;
  std::optional<Ipv6Prefix> last_slash64_;
  bool dedicated_failed_ = false;
  bool stale_shared_ = false;  // a crashed shared-mode run's nftables table was found at start
  clat::Clock::time_point next_rfc7050_{};
  clat::Clock::time_point next_rs_{};
  clat::Clock::time_point forget_probes_at_{};

  std::thread thread_;
  Fd stop_fd_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  ClatStatus status_;
  std::unique_ptr<ClatPlane> plane_;  // guarded by mu_ for stats()
  StatsSnapshot retired_;             // counters of planes closed so far
  const clat::Clock::time_point started_;
};

}  // namespace sixfour::io
