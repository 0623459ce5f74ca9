#include "io/dataplane/stats.hpp"

#include <fmt/format.h>

#include <cctype>

namespace sixfour::io {

IoCounters& IoCounters::operator+=(const IoCounters& o) {
  read_errors += o.read_errors;
  write_errors += o.write_errors;
  wakeups += o.wakeups;
  super_packets += o.super_packets;
  segmented += o.segmented;
  segments += o.segments;
  csum_finished += o.csum_finished;
  offload_malformed += o.offload_malformed;
  udp_trains += o.udp_trains;
  udp_coalesced += o.udp_coalesced;
  return *this;
}

void io_json(Json& out, const IoCounters& io) {
  out["read_errors"] = io.read_errors;
  out["write_errors"] = io.write_errors;
  out["wakeups"] = io.wakeups;
  out["super_packets"] = io.super_packets;
  out["segmented"] = io.segmented;
  out["segments"] = io.segments;
  out["csum_finished"] = io.csum_finished;
  out["udp_trains"] = io.udp_trains;
  out["udp_coalesced"] = io.udp_coalesced;
}

void PublishedIo::publish(const IoCounters& io) {
  constexpr auto r = std::memory_order_relaxed;
  read_errors_.store(io.read_errors, r);
  write_errors_.store(io.write_errors, r);
  wakeups_.store(io.wakeups, r);
  super_.store(io.super_packets, r);
  segmented_.store(io.segmented, r);
  segments_.store(io.segments, r);
  csum_.store(io.csum_finished, r);
  malformed_.store(io.offload_malformed, r);
  trains_.store(io.udp_trains, r);
  coalesced_.store(io.udp_coalesced, r);
}

IoCounters PublishedIo::load() const {
  constexpr auto r = std::memory_order_relaxed;
  IoCounters io;
  io.read_errors = read_errors_.load(r);
  io.write_errors = write_errors_.load(r);
  io.wakeups = wakeups_.load(r);
  io.super_packets = super_.load(r);
  io.segmented = segmented_.load(r);
  io.segments = segments_.load(r);
  io.csum_finished = csum_.load(r);
  io.offload_malformed = malformed_.load(r);
  io.udp_trains = trains_.load(r);
  io.udp_coalesced = coalesced_.load(r);
  return io;
}

void PublishedCounters::publish(const siit::Counters& c) {
  constexpr auto r = std::memory_order_relaxed;
  in4_.store(c.in4, r);
  in6_.store(c.in6, r);
  out4_.store(c.out4, r);
  out6_.store(c.out6, r);
  icmp_.store(c.icmp_errors_sent, r);
  hairpin_.store(c.hairpinned, r);
  for (size_t i = 0; i < kDrops; ++i) drops_[i].store(c.drops[i], r);
}

void PublishedCounters::load(siit::Counters& c) const {
  constexpr auto r = std::memory_order_relaxed;
  c.in4 = in4_.load(r);
  c.in6 = in6_.load(r);
  c.out4 = out4_.load(r);
  c.out6 = out6_.load(r);
  c.icmp_errors_sent = icmp_.load(r);
  c.hairpinned = hairpin_.load(r);
  for (size_t i = 0; i < kDrops; ++i) c.drops[i] = drops_[i].load(r);
}

siit::Counters StatsSnapshot::total() const {
  siit::Counters t;
  for (const auto& w : workers) t += w;
  return t;
}

IoCounters StatsSnapshot::io_total() const {
  IoCounters t;
  for (const auto& w : io) t += w;
  return t;
}

uint64_t total_drops(const siit::Counters& c) {
  uint64_t n = 0;
  for (uint64_t d : c.drops) n += d;
  return n;
}

namespace {

Json counters_json(const siit::Counters& c, const IoCounters& io) {
  Json j = {{"in4", c.in4},
            {"in6", c.in6},
            {"out4", c.out4},
            {"out6", c.out6},
            {"icmp_errors_sent", c.icmp_errors_sent},
            {"hairpinned", c.hairpinned},
            {"dropped", total_drops(c) + io.offload_malformed}};
  io_json(j, io);
  return j;
}

}  // namespace

std::string to_json(const StatsSnapshot& s) {
  const siit::Counters t = s.total();
  const IoCounters io = s.io_total();
  Json j = {
      {"tun", s.tun}, {"workers", s.workers.size()}, {"offloads", s.offloads}, {"uptime_seconds", s.uptime_seconds}};
  j.update(counters_json(t, io));
  Json& drops = j["drops"] = Json::object();
  for (size_t i = 0; i < t.drops.size(); ++i)
    drops[std::string(xlat::name(static_cast<xlat::DropReason>(i)))] = t.drops[i];
  drops[std::string(kOffloadMalformed)] = io.offload_malformed;
  Json& per = j["per_worker"] = Json::array();
  for (size_t w = 0; w < s.workers.size(); ++w)
    per.push_back(counters_json(s.workers[w], w < s.io.size() ? s.io[w] : IoCounters{}));
  return json_text(j) + "\n";
}

}  // namespace sixfour::io
