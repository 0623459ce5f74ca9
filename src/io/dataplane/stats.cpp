#include "io/dataplane/stats.hpp"

#include <fmt/format.h>

#include <cctype>
#include <span>

namespace sixfour::io {

IoCounters& IoCounters::operator+=(const IoCounters& o) {
  for (const auto& f : kIoFields) this->*f.field += o.*f.field;
  return *this;
}

void io_json(Json& out, const IoCounters& io) {
  for (const auto& f : std::span(kIoFields).first(kIoFields.size() - 1)) out[std::string(f.name)] = io.*f.field;
}

void PublishedIo::publish(const IoCounters& io) {
  for (size_t i = 0; i < kIoFields.size(); ++i) fields_[i].store(io.*kIoFields[i].field, std::memory_order_relaxed);
}

IoCounters PublishedIo::load() const {
  IoCounters io;
  for (size_t i = 0; i < kIoFields.size(); ++i) io.*kIoFields[i].field = fields_[i].load(std::memory_order_relaxed);
  return io;
}

void PublishedCounters::publish(const siit::Counters& c) {
  constexpr auto r = std::memory_order_relaxed;
  for (size_t i = 0; i < fields_.size(); ++i) fields_[i].store(c.*siit::kCounterFields[i].field, r);
  for (size_t i = 0; i < kDrops; ++i) drops_[i].store(c.drops[i], r);
}

void PublishedCounters::load(siit::Counters& c) const {
  constexpr auto r = std::memory_order_relaxed;
  for (size_t i = 0; i < fields_.size(); ++i) c.*siit::kCounterFields[i].field = fields_[i].load(r);
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
  Json j = Json::object();
  for (const auto& f : siit::kCounterFields) j[std::string(f.name)] = c.*f.field;
  j["dropped"] = total_drops(c) + io.offload_malformed;
  io_json(j, io);
  return j;
}

}  // namespace

void fast_path_json(Json& out, const FastPathStats& fp) {
  Json& j = out["fast_path"] = {{"state", fp.on ? "on" : "off"}, {"reason", fp.reason}, {"uplinks", fp.uplinks}};
  Json& c = j["counters"] = Json::object();
  for (const auto& [name, value] : fp.counters) c[name] = value;
}

std::string to_json(const StatsSnapshot& s) {
  const siit::Counters t = s.total();
  const IoCounters io = s.io_total();
  Json j = {
      {"tun", s.tun}, {"workers", s.workers.size()}, {"offloads", s.offloads}, {"uptime_seconds", s.uptime_seconds}};
  if (!s.icmp_source4.empty()) j["icmp_source"] = {{"ipv4", s.icmp_source4}, {"ipv6", s.icmp_source6}};
  j.update(counters_json(t, io));
  Json& drops = j["drops"] = Json::object();
  for (size_t i = 0; i < t.drops.size(); ++i)
    drops[std::string(xlat::name(static_cast<xlat::DropReason>(i)))] = t.drops[i];
  drops[std::string(kOffloadMalformed)] = io.offload_malformed;
  if (s.fast_path) fast_path_json(j, *s.fast_path);
  Json& per = j["per_worker"] = Json::array();
  for (size_t w = 0; w < s.workers.size(); ++w)
    per.push_back(counters_json(s.workers[w], w < s.io.size() ? s.io[w] : IoCounters{}));
  return json_text(j) + "\n";
}

}  // namespace sixfour::io
