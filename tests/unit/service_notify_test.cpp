// io::ServiceNotifier: what reaches NOTIFY_SOCKET (a socket the test binds, as systemd would).
#include "io/sys/service_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace sixfour::io {
namespace {

class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "sixfour-notify-" + std::to_string(::getpid()) + ".sock";
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    ASSERT_LT(path_.size(), sizeof a.sun_path);
    path_.copy(a.sun_path, path_.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  // The next message, or "" when none is waiting.
  std::string next() {
    char buf[1024];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  std::string path_;
  int fd_ = -1;
};

TEST_F(NotifySocket, ReadyStatusStopping) {
  ServiceNotifier n;
  ASSERT_TRUE(n.enabled());
  EXPECT_EQ(n.tick_interval(), ServiceNotifier::kStatusRefresh);  // no watchdog: STATUS= refreshes only
  n.ready("prefix 2001:db8:64::/96\nsessions 0");
  EXPECT_EQ(next(), "READY=1\nSTATUS=prefix 2001:db8:64::/96 sessions 0");  // one line: no new assignment
  n.status("prefix 2001:db8:64::/96 sessions 0");                           // unchanged: not sent again
  n.tick("prefix 2001:db8:64::/96 sessions 0");                             // nor on a tick without a watchdog
  EXPECT_EQ(next(), "");
  n.tick("sessions 1");
  EXPECT_EQ(next(), "STATUS=sessions 1");
  n.reloading();
  EXPECT_EQ(next(), "RELOADING=1");
  n.failed("cannot open the TUN", 1);
  EXPECT_EQ(next(), "STATUS=cannot open the TUN\nERRNO=1");
  n.stopping("stopping on Terminated");
  EXPECT_EQ(next(), "STOPPING=1\nSTATUS=stopping on Terminated");
  EXPECT_EQ(next(), "");
}

TEST_F(NotifySocket, WatchdogAtHalfTheInterval) {
  ::setenv("WATCHDOG_USEC", "400000", 1);
  ServiceNotifier n;
  EXPECT_EQ(n.tick_interval(), std::chrono::milliseconds(200));
  n.tick("");
  EXPECT_EQ(next(), "WATCHDOG=1");
  n.tick("up");
  EXPECT_EQ(next(), "WATCHDOG=1");
  EXPECT_EQ(next(), "STATUS=up");
  // A watchdog longer than the refresh period still refreshes STATUS= every kStatusRefresh.
  ::setenv("WATCHDOG_USEC", "60000000", 1);
  EXPECT_EQ(ServiceNotifier().tick_interval(), ServiceNotifier::kStatusRefresh);
}

TEST_F(NotifySocket, SilentWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "400000", 1);
  ServiceNotifier n;
  EXPECT_FALSE(n.enabled());
  EXPECT_EQ(n.tick_interval(), std::nullopt);
  n.ready("x");
  n.tick("y");
  n.stopping("z");
  EXPECT_EQ(next(), "");
}

TEST(ServiceNotifierStatus, OneLineAtMostMaxStatus) {
  EXPECT_EQ(ServiceNotifier::clean_status("a\r\nb"), "a  b");
  EXPECT_EQ(ServiceNotifier::clean_status(std::string(2000, 'x')).size(), ServiceNotifier::kMaxStatus);
}

}  // namespace
}  // namespace sixfour::io
