// drop_privileges() changes every thread of the process, also while threads come and go (a CLAT's
// RFC 7050 look-ups run in short-lived threads). Each case runs in a child process (a death test),
// since dropping capabilities cannot be undone.
#include "io/sys/privileges.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace sixfour::io {
namespace {

// The CapEff line of every thread of this process that is still there.
std::vector<std::string> effective_sets() {
  std::vector<std::string> sets;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("CapEff:", 0) == 0) sets.push_back(line);
  }
  return sets;
}

// Drops everything while `churners` threads start and end short-lived threads, and `sleepers`
// threads wait; exits 0 when every thread is left with no effective capability.
[[noreturn]] void drop_while_threads_churn(int churners, int sleepers) {
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < churners; ++i)
    threads.emplace_back([&done] {
      while (!done.load()) std::thread([] {}).join();
    });
  for (int i = 0; i < sleepers; ++i)
    threads.emplace_back([&done] {
      while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  PrivilegePlan plan;  // stay uid 0, keep nothing (once: the bounding set cannot be dropped twice)
  if (auto said = drop_privileges(plan); !said) {
    std::fprintf(stderr, "%s\n", said.error().c_str());
    std::_Exit(1);
  }
  for (const std::string& set : effective_sets())
    if (set != "CapEff:\t0000000000000000") {
      std::fprintf(stderr, "a thread kept %s\n", set.c_str());
      std::_Exit(2);
    }
  done.store(true);
  for (std::thread& t : threads) t.join();
  std::_Exit(0);
}

TEST(Privileges, EveryThreadDropsWhileThreadsComeAndGo) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the bounding set is dropped)";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (int run = 0; run < 10; ++run)
    EXPECT_EXIT(drop_while_threads_churn(2, 3), ::testing::ExitedWithCode(0), "") << "run " << run;
}

TEST(Privileges, EveryThreadDropsWithoutChurn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (the bounding set is dropped)";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(drop_while_threads_churn(0, 4), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace sixfour::io
