// The pure parts of the daemon runtime (io/sys/daemon.hpp): the signal policy every daemon
// shares, the control-socket command table and the client's reading of a reply.
#include <signal.h>

#include <gtest/gtest.h>

#include "common/control_protocol.hpp"
#include "common/signal_policy.hpp"

namespace sixfour {
namespace {

TEST(SignalPolicy, TermAndIntStop) {
  EXPECT_EQ(signal_action(SIGTERM, false), SignalAction::Stop);
  EXPECT_EQ(signal_action(SIGINT, false), SignalAction::Stop);
  EXPECT_EQ(signal_action(SIGTERM, true), SignalAction::Stop);
}

TEST(SignalPolicy, HupReloadsOrIsIgnoredButNeverStops) {
  EXPECT_EQ(signal_action(SIGHUP, true), SignalAction::Reload);
  EXPECT_EQ(signal_action(SIGHUP, false), SignalAction::Ignore);
}

TEST(CommandTable, AnswersWithTheHandler) {
  CommandTable t;
  t.add("stats", [] { return std::string("{\"a\":1}\n"); });
  EXPECT_EQ(t.reply("stats"), "{\"a\":1}\n");
}

TEST(CommandTable, UnknownCommandNamesTheTableInOrder) {
  CommandTable t;
  EXPECT_EQ(t.reply("x"), "{\"error\":\"unknown command\"}\n");
  t.add("stats", [] { return std::string(); });
  EXPECT_EQ(t.reply("x"), "{\"error\":\"unknown command; try stats\"}\n");
  t.add("sessions", [] { return std::string(); });
  t.add("bib", [] { return std::string(); });
  EXPECT_EQ(t.reply("stat"), "{\"error\":\"unknown command; try stats, sessions or bib\"}\n");
  t.add("dns64-stats", [] { return std::string(); });
  EXPECT_EQ(t.unknown_reply(), "{\"error\":\"unknown command; try stats, sessions, bib or dns64-stats\"}\n");
}

TEST(CommandTable, AddingANameAgainReplacesItsHandler) {
  CommandTable t;
  t.add("stats", [] { return std::string("old"); });
  t.add("bib", [] { return std::string("bib"); });
  t.add("stats", [] { return std::string("new"); });
  EXPECT_EQ(t.reply("stats"), "new");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"stats", "bib"}));
}

TEST(OrList, JoinsWithCommasAndOr) {
  EXPECT_EQ(or_list({}), "");
  EXPECT_EQ(or_list({"a"}), "a");
  EXPECT_EQ(or_list({"a", "b"}), "a or b");
  EXPECT_EQ(or_list({"a", "b", "c"}), "a, b or c");
}

TEST(ControlReply, TheDaemonsErrorMemberIsAnError) {
  CommandTable t;
  t.add("stats", [] { return std::string(); });
  auto r = parse_control_reply(t.reply("nope"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unknown command; try stats");
}

TEST(ControlReply, NotJsonIsAnError) {
  EXPECT_FALSE(parse_control_reply("stats: 1"));
  EXPECT_FALSE(parse_control_reply(""));
  EXPECT_TRUE(parse_control_reply("[]\n"));
}

TEST(ControlReply, FlattensNestedMembersAndArrays) {
  auto r = parse_control_reply(R"({"tun":"siit0","in4":12,"drops":{"no-route":3},"per_worker":[{"in4":5}],)"
                               R"("ok":true,"x":null,"neg":-2})");
  ASSERT_TRUE(r) << r.error();
  const std::map<std::string, std::string> want{
      {"tun", "siit0"}, {"in4", "12"}, {"drops.no-route", "3"}, {"per_worker.0.in4", "5"}, {"ok", "true"},
      {"x", "null"},    {"neg", "-2"}};
  EXPECT_EQ(flatten(*r), want);
}

TEST(ControlReply, FlattensATopLevelArray) {
  auto r = parse_control_reply(R"([{"proto":"udp","port6":53},{"proto":"tcp","static":false}])");
  ASSERT_TRUE(r);
  const std::map<std::string, std::string> want{
      {"0.proto", "udp"}, {"0.port6", "53"}, {"1.proto", "tcp"}, {"1.static", "false"}};
  EXPECT_EQ(flatten(*r), want);
}

}  // namespace
}  // namespace sixfour
