// The one-line summary a daemon gives systemd (STATUS=, io/sys/service_notify.hpp), made from the
// same counters `stats --json` shows, so the two cannot disagree:
//
//   summarize_stats(json, "prefix 2001:db8:64::/96", {{"sessions", {"/state/sessions.tcp", ...}},
//                                                      {"packets out", {"/out4", "/out6"}}})
//   -> "prefix 2001:db8:64::/96: sessions 12, packets out 3401"
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sixfour {

struct SummaryField {
  std::string label;
  std::vector<std::string> pointers;  // RFC 6901 JSON pointers into the stats; the numbers are added
};

// `head`, then ": " and "label N" for each field (N the sum of the unsigned numbers found at its
// pointers; a field none of whose pointers is a number is left out). Unreadable JSON: `head` alone.
std::string summarize_stats(std::string_view stats_json, std::string_view head,
                            const std::vector<SummaryField>& fields);

}  // namespace sixfour
