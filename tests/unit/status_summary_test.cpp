#include "common/status_summary.hpp"

#include <gtest/gtest.h>

namespace sixfour {
namespace {

constexpr std::string_view kStats =
    R"({"tun":"nat64","out4":10,"out6":32,"state":{"sessions.tcp":2,"sessions.udp":5,"sessions.icmp":1},)"
    R"("clients":{"active":0},"name":"x","negative":-3})";

TEST(StatusSummary, SumsEachFieldsPointers) {
  EXPECT_EQ(summarize_stats(kStats, "prefix 2001:db8:64::/96",
                            {{"sessions", {"/state/sessions.tcp", "/state/sessions.udp", "/state/sessions.icmp"}},
                             {"packets out", {"/out4", "/out6"}},
                             {"clients", {"/clients/active"}}}),
            "prefix 2001:db8:64::/96: sessions 8, packets out 42, clients 0");
}

TEST(StatusSummary, LeavesOutWhatIsNotANumberThere) {
  // Missing keys, strings, objects, negative numbers and malformed pointers count for nothing; a
  // field with nothing found is left out.
  EXPECT_EQ(summarize_stats(
                kStats, "nat64",
                {{"none", {"/missing", "/name", "/state", "/negative", "no-slash"}}, {"some", {"/missing", "/out4"}}}),
            "nat64: some 10");
  EXPECT_EQ(summarize_stats(kStats, "", {{"packets", {"/out6"}}}), "packets 32");
  EXPECT_EQ(summarize_stats(kStats, "head", {}), "head");
}

TEST(StatusSummary, UnreadableStatsGiveTheHeadAlone) {
  EXPECT_EQ(summarize_stats("{not json", "dns64 on [::1]:53", {{"queries", {"/queries"}}}), "dns64 on [::1]:53");
  EXPECT_EQ(summarize_stats("", "x", {{"q", {"/q"}}}), "x");
}

}  // namespace
}  // namespace sixfour
