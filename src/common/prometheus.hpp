// A daemon's counters in the Prometheus text exposition format (version 0.0.4), made from the JSON
// its `stats` control command answers, so that `/metrics` and `stats --json` cannot disagree.
//
// Every number in the JSON is a sample. Its name is sixfour_DAEMON_ and the path of keys leading to
// it, joined with '_', each character outside [a-zA-Z0-9_] made '_' ("icmp-errors-sent" ->
// icmp_errors_sent). It is a counter, named with the suffix _total, unless a gauge prefix of the
// schema matches its path. Rules turn several leaves into one metric with a label:
//
//   {"drops/", "dropped_packets", "reason"}         drops/no-bib -> dropped_packets_total{reason="no-bib"}
//   {"state/sessions.", "sessions", "proto", true}  state/sessions.tcp -> sessions{proto="tcp"} (gauge)
//   {"out4", "translated_packets", "family", false, "ipv4"}   one leaf, a fixed label value
//
// An array of objects named in `arrays` gives each element's samples a label with its index and a
// name prefix (per_worker/1/out4 -> worker_translated_packets_total{worker="1",family="ipv4"}).
// Strings, booleans and nulls are left out, and so are the paths listed in `skip`.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sixfour {

struct MetricRule {
  std::string prefix;  // path ('/' between keys) the leaf starts with; the rest is the label value
  std::string name;    // metric name after sixfour_DAEMON_ (without _total)
  std::string label;
  bool gauge = false;
  std::string value;  // not empty: the leaf's path must be `prefix` exactly and the label is this
};

struct MetricArray {
  std::string key;     // "per_worker"
  std::string label;   // "worker"
  std::string prefix;  // "worker_": prepended to the names of its samples
};

struct MetricsSchema {
  std::string daemon;               // "nat64": names start with sixfour_nat64_
  std::vector<std::string> gauges;  // path prefixes of gauges ("uptime_seconds", "state/", ...)
  std::vector<MetricRule> rules;    // the first that matches wins
  std::vector<MetricArray> arrays;
  std::vector<std::string> skip;  // path prefixes left out
};

// The exposition for `stats_json`; "" when it is not a JSON object.
std::string prometheus_exposition(std::string_view stats_json, const MetricsSchema& schema);

// [a-zA-Z0-9_] kept, anything else '_'; a leading digit gets a '_' in front.
std::string metric_name_part(std::string_view s);

}  // namespace sixfour
