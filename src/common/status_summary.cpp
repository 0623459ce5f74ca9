#include "common/status_summary.hpp"

#include <nlohmann/json.hpp>

namespace sixfour {

std::string summarize_stats(std::string_view stats_json, std::string_view head,
                            const std::vector<SummaryField>& fields) {
  const nlohmann::json j = nlohmann::json::parse(stats_json, nullptr, false);
  std::string out(head);
  if (j.is_discarded()) return out;
  std::string sep = out.empty() ? "" : ": ";
  for (const SummaryField& f : fields) {
    uint64_t sum = 0;
    bool found = false;
    for (const std::string& p : f.pointers) {
      nlohmann::json::json_pointer ptr;
      try {
        ptr = nlohmann::json::json_pointer(p);
      } catch (const nlohmann::json::exception&) {
        continue;
      }
      if (!j.contains(ptr)) continue;
      const nlohmann::json& v = j.at(ptr);
      if (!v.is_number_unsigned() && !v.is_number_integer()) continue;
      if (v.is_number_integer() && v.get<int64_t>() < 0) continue;
      sum += v.get<uint64_t>();
      found = true;
    }
    if (!found) continue;
    out += sep + f.label + " " + std::to_string(sum);
    sep = ", ";
  }
  return out;
}

}  // namespace sixfour
