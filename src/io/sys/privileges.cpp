#include "io/sys/privileges.hpp"

#include <cap-ng.h>
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sixfour::io {

namespace {

// The other threads change their own credentials in a signal handler (what glibc does for
// setuid()): the operation and its data are set before the signals are sent. Only system calls
// run in the handler.
enum class Op { Prepare, Apply };

constexpr int kMaxAcks = 4096;

struct Broadcast {
  Op op = Op::Prepare;
  bool keep_caps = false;  // Prepare: keep the permitted set across the uid change
  int last_cap = 0;
  __user_cap_header_struct hdr{};
  __user_cap_data_struct data[2]{};
  std::atomic<int> acks{0};
  std::atomic<pid_t> acked[kMaxAcks]{};  // the first `acks` threads that ran the operation
  std::atomic<int> err{0};
};

Broadcast g_bc;

void on_broadcast(int) {
  const int saved = errno;
  int err = 0;
  if (g_bc.op == Op::Prepare) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) err = errno;
    for (int c = 0; c <= g_bc.last_cap; ++c)
      if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && !err) err = errno;
    if (g_bc.keep_caps && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 && !err) err = errno;
  } else {
    __user_cap_header_struct hdr = g_bc.hdr;
    if (::syscall(SYS_capset, &hdr, g_bc.data) != 0) err = errno;
    for (int c = 0; c <= g_bc.last_cap; ++c)  // ambient: none
      ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, c, 0, 0);
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 && !err) err = errno;
  }
  if (err) g_bc.err.store(err);
  const int i = g_bc.acks.fetch_add(1);
  if (i < kMaxAcks) g_bc.acked[i].store(static_cast<pid_t>(::syscall(SYS_gettid)));
  errno = saved;
}

std::vector<pid_t> threads_now() {
  std::vector<pid_t> tids;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(dir))
      if (const int tid = std::atoi(e->d_name); tid > 0) tids.push_back(static_cast<pid_t>(tid));
    ::closedir(dir);
  }
  return tids;
}

// The signalled threads that neither ran the operation nor ended since.
std::vector<pid_t> unanswered(const std::set<pid_t>& signalled) {
  std::set<pid_t> pending = signalled;
  const int n = std::min(g_bc.acks.load(), kMaxAcks);
  for (int i = 0; i < n; ++i) pending.erase(g_bc.acked[i].load());
  std::vector<pid_t> left;
  for (pid_t tid : pending)
    if (::access(fmt::format("/proc/self/task/{}", tid).c_str(), F_OK) == 0) left.push_back(tid);
  return left;
}

// Runs g_bc.op in every thread but the calling one; the error of the first that failed. Threads
// come and go meanwhile: one that ends before it answers needs nothing, and the task list is read
// again until it shows no thread that was not signalled (a new thread copies its creator's sets,
// so one started by a thread not yet changed must be changed too).
Status broadcast() {
  const int sig = SIGRTMIN + 3;
  struct sigaction sa {
  }, old{};
  sa.sa_handler = on_broadcast;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(sig, &sa, &old) != 0) return Error{fmt::format("sigaction: {}", std::strerror(errno))};
  g_bc.acks.store(0);
  g_bc.err.store(0);
  const pid_t pid = ::getpid(), self = static_cast<pid_t>(::syscall(SYS_gettid));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::set<pid_t> signalled;
  std::vector<pid_t> left;
  bool fresh = true;  // the last reading of the task list showed a thread not signalled before
  while (fresh && std::chrono::steady_clock::now() < until) {
    fresh = false;
    for (pid_t tid : threads_now())
      if (tid != self && !signalled.count(tid) && ::syscall(SYS_tgkill, pid, tid, sig) == 0) {
        signalled.insert(tid);
        fresh = true;
      }
    while (!(left = unanswered(signalled)).empty() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::sigaction(sig, &old, nullptr);
  if (fresh) return Error{"threads kept starting for 5 s"};
  if (!left.empty()) return Error{fmt::format("{} of {} threads did not answer", left.size(), signalled.size())};
  if (g_bc.acks.load() > kMaxAcks) return Error{fmt::format("more than {} threads", kMaxAcks)};
  if (const int err = g_bc.err.load()) return Error{std::strerror(err)};
  return Ok{};
}

int last_cap() {
  std::ifstream f("/proc/sys/kernel/cap_last_cap");
  int n = CAP_LAST_CAP;
  f >> n;
  return n;
}

// The calling thread: no-new-privileges, then capabilities, bounding set and (with a user) the ids
// through libcap-ng.
Status apply_here(const PrivilegePlan& plan) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return Error{fmt::format("no-new-privileges: {}", std::strerror(errno))};
  capng_clear(CAPNG_SELECT_BOTH);
  for (int c : plan.keep)
    if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                     static_cast<unsigned>(c)) != 0)
      return Error{fmt::format("capability {}: unknown", c)};
  if (plan.switch_user) {
    const int rc = capng_change_id(static_cast<int>(plan.uid), static_cast<int>(plan.gid),
                                   static_cast<capng_flags_t>(CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING));
    if (rc != 0) return Error{fmt::format("switching to user {}: libcap-ng error {}", plan.user, rc)};
  } else if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
    return Error{fmt::format("dropping capabilities: {}", std::strerror(errno))};
  }
  for (int c = 0; c <= last_cap(); ++c) ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, c, 0, 0);
  return Ok{};
}

}  // namespace

std::string capability_names(const std::vector<int>& caps) {
  if (caps.empty()) return "none";
  std::vector<std::string> names;
  for (int c : caps) {
    const char* n = capng_capability_to_name(static_cast<unsigned>(c));
    names.push_back(n ? fmt::format("cap_{}", n) : fmt::format("cap_{}", c));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

Result<PrivilegePlan> plan_privileges(const RunAs& r, std::vector<int> keep) {
  PrivilegePlan plan;
  plan.keep = std::move(keep);
  plan.user = r.user;
  passwd pw{}, *found = nullptr;
  std::vector<char> buf(16384);
  const int rc = ::getpwnam_r(r.user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (!found) {
    if (!r.given) return plan;
    if (rc != 0) return Error{fmt::format("--user {}: cannot look it up: {}", r.user, std::strerror(rc))};
    return Error{fmt::format("--user {}: no such user", r.user)};
  }
  plan.switch_user = true;
  plan.uid = pw.pw_uid;
  plan.gid = pw.pw_gid;
  return plan;
}

Result<std::string> drop_privileges(const PrivilegePlan& plan) {
  g_bc.op = Op::Prepare;
  g_bc.keep_caps = plan.switch_user;
  g_bc.last_cap = last_cap();
  if (auto st = broadcast(); !st) return Error{fmt::format("dropping privileges: {}", st.error())};
  if (auto st = apply_here(plan); !st) return Error{st.error()};
  // The other threads take the calling thread's sets (their ids changed with it: glibc's setxid).
  g_bc.hdr.version = _LINUX_CAPABILITY_VERSION_3;
  g_bc.hdr.pid = 0;
  if (::syscall(SYS_capget, &g_bc.hdr, g_bc.data) != 0) return Error{fmt::format("capget: {}", std::strerror(errno))};
  g_bc.hdr.pid = 0;
  g_bc.op = Op::Apply;
  if (auto st = broadcast(); !st) return Error{fmt::format("dropping privileges: {}", st.error())};
  const std::string caps = capability_names(plan.keep);
  if (plan.switch_user) return fmt::format("privileges: user {}, capabilities {}", plan.user, caps);
  return fmt::format("privileges: uid 0 (no user {}), capabilities {}", plan.user, caps);
}

}  // namespace sixfour::io
