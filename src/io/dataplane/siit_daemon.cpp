#include "io/dataplane/siit_daemon.hpp"

#include <chrono>
#include <random>

#include "io/sys/tun_steering.hpp"
#include "siit/translator.hpp"

namespace sixfour::io {

namespace {

uint64_t monotonic_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

class SiitWorker final : public DataPlane::Worker {
 public:
  SiitWorker(const siit::Settings& s, unsigned workers, PublishedCounters& pub) : translator_(s), pub_(pub) {
    translator_.limit_icmp_errors(xlat::IcmpLimits::share(s.xlat, workers, std::random_device{}()));
  }
  // One clock read per wake-up, for the ICMP error rate limit.
  void begin_batch() override { translator_.set_now(monotonic_ms()); }
  void translate(std::span<const uint8_t> in, xlat::Output& out) override { translator_.translate(in, out); }
  void publish() override { pub_.publish(translator_.counters()); }

 private:
  siit::Translator translator_;
  PublishedCounters& pub_;
};

}  // namespace

SiitDaemon::SiitDaemon(const siit::Settings& settings, const Tun& tun)
    : settings_(settings), published_(new PublishedCounters[tun.queues()]), plane_(tun, settings.xlat) {}

Status SiitDaemon::start() {
  std::vector<std::unique_ptr<DataPlane::Worker>> workers;
  for (size_t q = 0; q < plane_.tun().queues(); ++q)
    workers.push_back(
        std::make_unique<SiitWorker>(settings_, static_cast<unsigned>(plane_.tun().queues()), published_[q]));
  steering_ = steer_flows(plane_.tun(), TunSteering{TunSteering::Kind::Ports, {}, {}});
  return plane_.start(std::move(workers));
}

StatsSnapshot SiitDaemon::stats() const {
  StatsSnapshot s;
  const Tun& tun = plane_.tun();
  s.tun = tun.name();
  s.offloads = tun.offload_names();
  s.uptime_seconds = plane_.uptime_seconds();
  s.icmp_source4 = settings_.xlat.self4.str();
  s.icmp_source6 = settings_.xlat.self6.str();
  s.workers.resize(tun.queues());
  for (size_t q = 0; q < tun.queues(); ++q) published_[q].load(s.workers[q]);
  s.io = plane_.io();
  return s;
}

}  // namespace sixfour::io
