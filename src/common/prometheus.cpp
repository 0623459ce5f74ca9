#include "common/prometheus.hpp"

#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sixfour {

namespace {

using Json = nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Family {
  bool gauge = false;
  std::string help;
  std::vector<std::pair<Labels, std::string>> samples;  // labels, value as text
};

class Collector {
 public:
  explicit Collector(const MetricsSchema& s) : s_(s) {}

  void walk(const Json& j, const std::string& path, const std::string& name_prefix, const Labels& labels) {
    for (const std::string& skip : s_.skip)
      if (path.rfind(skip, 0) == 0) return;
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) walk(v, path.empty() ? k : path + "/" + k, name_prefix, labels);
    } else if (j.is_array()) {
      array(j, path, name_prefix, labels);
    } else if (j.is_number_unsigned() || j.is_number_integer()) {
      add(path, name_prefix, labels,
          j.is_number_unsigned() ? std::to_string(j.get<uint64_t>()) : std::to_string(j.get<int64_t>()));
    } else if (j.is_number_float()) {
      add(path, name_prefix, labels, fmt::format("{}", j.get<double>()));
    }
  }

  std::string render() const {
    std::string out;
    for (const std::string& name : order_) {
      const Family& f = families_.at(name);
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, f.gauge ? "gauge" : "counter");
      for (const auto& [labels, value] : f.samples) out += name + render_labels(labels) + " " + value + "\n";
    }
    return out;
  }

 private:
  void array(const Json& j, const std::string& path, const std::string& name_prefix, const Labels& labels) {
    for (const MetricArray& a : s_.arrays) {
      if (a.key != path) continue;
      for (size_t i = 0; i < j.size(); ++i) {
        Labels l = labels;
        l.emplace_back(a.label, std::to_string(i));
        walk(j[i], "", name_prefix + a.prefix, l);
      }
      return;
    }
  }

  bool is_gauge(const std::string& path) const {
    for (const std::string& g : s_.gauges)
      if (path.rfind(g, 0) == 0) return true;
    return false;
  }

  void add(const std::string& path, const std::string& name_prefix, Labels labels, std::string value) {
    std::string name;
    bool gauge = false;
    std::string help = "stats: " + path;
    for (const MetricRule& r : s_.rules) {
      if (!r.value.empty() ? path != r.prefix : path.rfind(r.prefix, 0) != 0 || path.size() == r.prefix.size())
        continue;
      const std::string rest = r.value.empty() ? path.substr(r.prefix.size()) : r.value;
      if (rest.find('/') != std::string::npos) continue;
      name = r.name;
      gauge = r.gauge;
      help = "stats: " + (r.value.empty() ? r.prefix + "*" : path);
      labels.emplace_back(r.label, rest);
      break;
    }
    if (name.empty()) {
      gauge = is_gauge(path);
      for (size_t at = 0; at <= path.size();) {
        const size_t slash = std::min(path.find('/', at), path.size());
        if (!name.empty()) name += '_';
        name += metric_name_part(path.substr(at, slash - at));
        at = slash + 1;
      }
    }
    std::string full =
        fmt::format("sixfour_{}_{}{}{}", metric_name_part(s_.daemon), name_prefix, name, gauge ? "" : "_total");
    auto [it, added] = families_.try_emplace(full);
    if (added) {
      order_.push_back(full);
      it->second.gauge = gauge;
      it->second.help = help;
    }
    it->second.samples.emplace_back(std::move(labels), std::move(value));
  }

  static std::string render_labels(const Labels& labels) {
    if (labels.empty()) return "";
    std::string out = "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out += ',';
      out += metric_name_part(labels[i].first);
      out += "=\"";
      for (char c : labels[i].second) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      out += '"';
    }
    return out + "}";
  }

  const MetricsSchema& s_;
  std::map<std::string, Family> families_;
  std::vector<std::string> order_;  // names in the order first seen (samples of one name together)
};

}  // namespace

std::string metric_name_part(std::string_view s) {
  std::string out;
  if (!s.empty() && s[0] >= '0' && s[0] <= '9') out += '_';
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

std::string prometheus_exposition(std::string_view stats_json, const MetricsSchema& schema) {
  const Json j = Json::parse(stats_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "";
  Collector c(schema);
  c.walk(j, "", "", {});
  return c.render();
}

}  // namespace sixfour
