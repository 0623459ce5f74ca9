#include "io/dataplane/siit_daemon.hpp"

#include "siit/translator.hpp"

namespace sixfour::io {

namespace {

class SiitWorker final : public DataPlane::Worker {
 public:
  SiitWorker(const siit::Settings& s, PublishedCounters& pub) : translator_(s), pub_(pub) {}
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
    workers.push_back(std::make_unique<SiitWorker>(settings_, published_[q]));
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
