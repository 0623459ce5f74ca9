#include "common/prometheus.hpp"

#include <gtest/gtest.h>

namespace sixfour {
namespace {

// The shape of `sixfour nat64 stats --json`, cut down.
constexpr std::string_view kStats = R"({
  "tun": "nat64", "workers": 2, "uptime_seconds": 42,
  "out4": 10, "out6": 32, "icmp-errors-sent": 3,
  "drops": {"no-bib": 4, "malformed": 1},
  "state": {"sessions.tcp": 2, "sessions.udp": 5, "pool4.ports-free": 64000},
  "fast_path": {"state": "on", "counters": {"xdp.pass": 7}},
  "per_worker": [{"out4": 6, "drops": {"no-bib": 4}}, {"out4": 4, "drops": {"no-bib": 0}}]
})";

MetricsSchema nat64_like() {
  MetricsSchema s;
  s.daemon = "nat64";
  s.gauges = {"workers", "uptime_seconds", "state/"};
  s.rules = {{"drops/", "dropped_packets", "reason", false, ""},
             {"state/sessions.", "sessions", "proto", true, ""},
             {"out4", "translated_packets", "family", false, "ipv4"},
             {"out6", "translated_packets", "family", false, "ipv6"}};
  s.arrays = {{"per_worker", "worker", "worker_"}};
  s.skip = {"fast_path"};
  return s;
}

TEST(Prometheus, Nat64LikeStats) {
  EXPECT_EQ(prometheus_exposition(kStats, nat64_like()),
            "# HELP sixfour_nat64_dropped_packets_total stats: drops/*\n"
            "# TYPE sixfour_nat64_dropped_packets_total counter\n"
            "sixfour_nat64_dropped_packets_total{reason=\"malformed\"} 1\n"
            "sixfour_nat64_dropped_packets_total{reason=\"no-bib\"} 4\n"
            "# HELP sixfour_nat64_icmp_errors_sent_total stats: icmp-errors-sent\n"
            "# TYPE sixfour_nat64_icmp_errors_sent_total counter\n"
            "sixfour_nat64_icmp_errors_sent_total 3\n"
            "# HELP sixfour_nat64_translated_packets_total stats: out4\n"
            "# TYPE sixfour_nat64_translated_packets_total counter\n"
            "sixfour_nat64_translated_packets_total{family=\"ipv4\"} 10\n"
            "sixfour_nat64_translated_packets_total{family=\"ipv6\"} 32\n"
            "# HELP sixfour_nat64_worker_dropped_packets_total stats: drops/*\n"
            "# TYPE sixfour_nat64_worker_dropped_packets_total counter\n"
            "sixfour_nat64_worker_dropped_packets_total{worker=\"0\",reason=\"no-bib\"} 4\n"
            "sixfour_nat64_worker_dropped_packets_total{worker=\"1\",reason=\"no-bib\"} 0\n"
            "# HELP sixfour_nat64_worker_translated_packets_total stats: out4\n"
            "# TYPE sixfour_nat64_worker_translated_packets_total counter\n"
            "sixfour_nat64_worker_translated_packets_total{worker=\"0\",family=\"ipv4\"} 6\n"
            "sixfour_nat64_worker_translated_packets_total{worker=\"1\",family=\"ipv4\"} 4\n"
            "# HELP sixfour_nat64_state_pool4_ports_free stats: state/pool4.ports-free\n"
            "# TYPE sixfour_nat64_state_pool4_ports_free gauge\n"
            "sixfour_nat64_state_pool4_ports_free 64000\n"
            "# HELP sixfour_nat64_sessions stats: state/sessions.*\n"
            "# TYPE sixfour_nat64_sessions gauge\n"
            "sixfour_nat64_sessions{proto=\"tcp\"} 2\n"
            "sixfour_nat64_sessions{proto=\"udp\"} 5\n"
            "# HELP sixfour_nat64_uptime_seconds stats: uptime_seconds\n"
            "# TYPE sixfour_nat64_uptime_seconds gauge\n"
            "sixfour_nat64_uptime_seconds 42\n"
            "# HELP sixfour_nat64_workers stats: workers\n"
            "# TYPE sixfour_nat64_workers gauge\n"
            "sixfour_nat64_workers 2\n");
}

TEST(Prometheus, NamesAndLabelValuesAreEscaped) {
  MetricsSchema s;
  s.daemon = "dns64";
  s.rules = {{"by/", "answers", "name", false, ""}};
  EXPECT_EQ(prometheus_exposition(R"({"9lives":1,"a.b-c":{"d e":2},"by":{"q\"x\\y\nz":3},"s":"text","b":true})", s),
            "# HELP sixfour_dns64__9lives_total stats: 9lives\n"
            "# TYPE sixfour_dns64__9lives_total counter\n"
            "sixfour_dns64__9lives_total 1\n"
            "# HELP sixfour_dns64_a_b_c_d_e_total stats: a.b-c/d e\n"
            "# TYPE sixfour_dns64_a_b_c_d_e_total counter\n"
            "sixfour_dns64_a_b_c_d_e_total 2\n"
            "# HELP sixfour_dns64_answers_total stats: by/*\n"
            "# TYPE sixfour_dns64_answers_total counter\n"
            "sixfour_dns64_answers_total{name=\"q\\\"x\\\\y\\nz\"} 3\n");
}

TEST(Prometheus, NotAnObjectGivesNothing) {
  EXPECT_EQ(prometheus_exposition("[1,2]", nat64_like()), "");
  EXPECT_EQ(prometheus_exposition("{broken", nat64_like()), "");
}

}  // namespace
}  // namespace sixfour
