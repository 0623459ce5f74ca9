#include "io/lab/lab.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "io/sys/fd.hpp"
#include "lab/lab.hpp"

extern char** environ;

namespace sixfour::io {

namespace {

namespace fs = std::filesystem;
using lab::Argv;
using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_interrupted = 0;  // SIGINT/SIGTERM/SIGHUP during `lab demo`

std::string self_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "sixfour";
  return std::string(buf, static_cast<size_t>(n));
}

std::string scratch_dir(const std::string& prefix) { return fmt::format("/run/sixfour/lab-{}", prefix); }

// argv with kSelf replaced, run inside `node` unless node is empty.
Argv in_node(const std::string& prefix, const std::string& node, Argv argv) {
  for (std::string& a : argv)
    if (a == lab::kSelf) a = self_path();
  if (node.empty()) return argv;
  Argv out = {"ip", "netns", "exec", lab::ns_name(prefix, node)};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<char*> c_argv(Argv& argv) {
  std::vector<char*> out;
  for (std::string& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Children start with the default signal dispositions and no blocked signals, whatever the
// demo's handlers are.
void reset_signals(posix_spawnattr_t* attr, short extra_flags) {
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(attr, &none);
  posix_spawnattr_setsigdefault(attr, &defaults);
  posix_spawnattr_setflags(attr, static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | extra_flags));
}

int wait_status(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

struct Proc {
  int rc = 0;
  std::string out;  // stdout and stderr, interleaved as written
  bool timed_out = false;
};

// Runs argv to completion with stdin from /dev/null, capturing its output; kills it after
// `timeout` or when the demo is interrupted.
Proc run(Argv argv, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  Proc p;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    p.rc = 127;
    p.out = fmt::format("pipe: {}\n", std::strerror(errno));
    return p;
  }
  Fd rd(fds[0]), wr(fds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  reset_signals(&attr, 0);
  pid_t pid = 0;
  auto args = c_argv(argv);
  int err = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  wr.reset();
  if (err != 0) {
    p.rc = 127;
    p.out = fmt::format("{}: {}\n", argv[0], std::strerror(err));
    return p;
  }
  const auto deadline = Clock::now() + timeout;
  bool killed = false;
  char buf[4096];
  for (;;) {
    pollfd pfd{rd.get(), POLLIN, 0};
    int n = ::poll(&pfd, 1, 100);
    if (n > 0) {
      ssize_t got = ::read(rd.get(), buf, sizeof buf);
      if (got > 0) {
        p.out.append(buf, static_cast<size_t>(got));
        continue;
      }
      if (got == 0 || errno != EINTR) break;
    }
    if (!killed && (Clock::now() > deadline || g_interrupted)) {
      p.timed_out = !g_interrupted;
      ::kill(pid, SIGKILL);
      killed = true;
      // A grandchild may still hold the pipe open: stop reading.
      break;
    }
  }
  p.rc = wait_status(pid);
  return p;
}

bool run_ok(const std::string& prefix, const lab::Command& c, std::string* err) {
  Proc p = run(in_node(prefix, c.node, c.argv), std::chrono::seconds(15));
  if (p.rc == 0) return true;
  *err = fmt::format("{}{}: exit {}{}{}", c.node.empty() ? "" : c.node + "$ ", lab::display(c.argv), p.rc,
                     p.out.empty() ? "" : ": ", p.out);
  while (!err->empty() && err->back() == '\n') err->pop_back();
  return false;
}

// Starts argv in the background in its own session (so a Ctrl-C at the terminal reaches the demo,
// which then tears everything down, and not the daemons directly); output to `log`.
pid_t spawn_background(Argv argv, const std::string& log, std::string* err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  reset_signals(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  auto args = c_argv(argv);
  int e = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (e != 0) {
    *err = fmt::format("{}: {}", argv[0], std::strerror(e));
    return -1;
  }
  return pid;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  return static_cast<bool>(f);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string tail_lines(const std::string& text, size_t n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t i = 0; i < n && pos > 0; ++i) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

bool ns_exists(const std::string& prefix, std::string_view node) {
  return fs::exists(fmt::format("/run/netns/{}", lab::ns_name(prefix, node)));
}

// True when every readiness probe of a service passes.
bool probes_pass(const std::string& prefix, const std::string& node,
                 const std::vector<std::pair<Argv, std::string>>& probes) {
  for (const auto& [argv, text] : probes) {
    Proc p = run(in_node(prefix, node, argv), std::chrono::seconds(5));
    if (p.rc != 0 || p.out.find(text) == std::string::npos) return false;
  }
  return true;
}

// Starts a daemon and waits until it is ready (or has exited, or 15 s passed).
pid_t start_ready(const std::string& prefix, const std::string& node, const Argv& argv,
                  const std::vector<std::pair<Argv, std::string>>& probes, const std::string& log, std::string* err) {
  pid_t pid = spawn_background(in_node(prefix, node, argv), log, err);
  if (pid < 0) return -1;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline && !g_interrupted) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      *err = fmt::format("{} exited ({}) before it was ready; its log:\n{}", lab::display(argv),
                         WIFEXITED(st) ? fmt::format("exit {}", WEXITSTATUS(st)) : "killed",
                         tail_lines(read_file(log), 15));
      return -1;
    }
    if (probes_pass(prefix, node, probes)) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  wait_status(pid);
  *err = g_interrupted
             ? std::string("interrupted")
             : fmt::format("{} not ready after 15 s; its log:\n{}", lab::display(argv), tail_lines(read_file(log), 15));
  return -1;
}

// Stops every process in the lab's namespaces (SIGTERM, then SIGKILL after 3 s), deletes the
// namespaces (their veths go with them), the /etc/netns files and the scratch directory. Returns
// true when something was there.
bool teardown(const std::string& prefix) {
  // Cleanup runs to its end even after SIGINT: run() would kill `ip netns del` after 100 ms and
  // leave namespaces behind. The interruption is remembered for the caller.
  struct Uninterrupted {
    sig_atomic_t was = g_interrupted;
    Uninterrupted() { g_interrupted = 0; }
    ~Uninterrupted() { g_interrupted = g_interrupted || was; }
  } guard;
  bool found = false;
  std::vector<pid_t> pids;
  for (std::string_view node : lab::kNodes) {
    if (!ns_exists(prefix, node)) continue;
    found = true;
    Proc p = run({"ip", "netns", "pids", lab::ns_name(prefix, node)}, std::chrono::seconds(5));
    std::istringstream in(p.out);
    for (long pid; in >> pid;)
      if (pid > 1) pids.push_back(static_cast<pid_t>(pid));
  }
  for (pid_t pid : pids) ::kill(pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  for (;;) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {  // our own children (the demo's daemons)
    }
    bool alive = false;
    for (pid_t pid : pids) alive = alive || ::kill(pid, 0) == 0;
    if (!alive) break;
    if (Clock::now() > deadline) {
      for (pid_t pid : pids) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (std::string_view node : lab::kNodes) {
    const std::string ns = lab::ns_name(prefix, node);
    if (ns_exists(prefix, node)) run({"ip", "netns", "del", ns}, std::chrono::seconds(10));
    std::error_code ec;
    if (fs::remove_all(fmt::format("/etc/netns/{}", ns), ec) > 0) found = true;
  }
  std::error_code ec;
  if (fs::remove_all(scratch_dir(prefix), ec) > 0) found = true;
  return found;
}

bool is_root(const char* who) {
  if (::geteuid() == 0) return true;
  std::fprintf(stderr, "%s: must run as root (network namespaces)\n", who);
  return false;
}

// Builds the lab and starts its servers; on failure everything is torn down again.
bool build(const std::string& prefix, std::map<std::string, pid_t>* daemons) {
  teardown(prefix);  // leftovers of an earlier run: `lab up` is idempotent
  const std::string dir = scratch_dir(prefix);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "sixfour lab: %s: %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  bool ok = write_file(fmt::format("{}/{}.zone", dir, lab::kZone), lab::zone_file()) &&
            write_file(fmt::format("{}/ipv4only.arpa.zone", dir), lab::ipv4only_zone_file()) &&
            write_file(fmt::format("{}/nsd.conf", dir), lab::nsd_conf(dir));
  std::string err;
  for (const lab::Command& c : lab::build_commands(prefix)) {
    if (!ok) break;
    ok = run_ok(prefix, c, &err);
  }
  for (std::string_view node : lab::kNodes) {
    if (!ok) break;
    const std::string etc = fmt::format("/etc/netns/{}", lab::ns_name(prefix, node));
    fs::create_directories(etc, ec);
    ok = !ec && write_file(etc + "/resolv.conf", lab::resolv_conf(node));
    if (!ok) err = fmt::format("cannot write {}/resolv.conf", etc);
  }
  for (const lab::Command& c : lab::settle_commands()) {
    if (!ok) break;
    int i = 0;
    while (i < 30 && !run_ok(prefix, c, &err)) ++i;
    ok = i < 30;
  }
  for (const lab::Service& s : lab::services(dir)) {
    if (!ok) break;
    Argv probe = {"ss", s.proto == "udp" ? "-lunH" : "-lntH"};
    pid_t pid = start_ready(prefix, s.node, s.argv, {{probe, s.listen}}, fmt::format("{}/{}.log", dir, s.name), &err);
    ok = pid > 0;
    if (ok && daemons) (*daemons)[s.name] = pid;
  }
  if (!ok) {
    std::fprintf(stderr, "sixfour lab: %s\n", err.empty() ? "interrupted" : err.c_str());
    teardown(prefix);
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The transcript.

struct Style {
  bool tty = ::isatty(1) != 0;
  const char* bold() const { return tty ? "\033[1m" : ""; }
  const char* cmd() const { return tty ? "\033[36m" : ""; }
  const char* good() const { return tty ? "\033[32m" : ""; }
  const char* bad() const { return tty ? "\033[31m" : ""; }
  const char* dim() const { return tty ? "\033[2m" : ""; }
  const char* off() const { return tty ? "\033[0m" : ""; }
};

void print_output(const Style& st, std::string out) {
  (void)st;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.empty()) {
    std::printf("(no output)\n");
    return;
  }
  // Long outputs keep their head and tail: the story is in the first and the last lines.
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  constexpr size_t kMax = 40;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines.size() > kMax && i == kMax - 10) {
      std::printf("... (%zu lines left out)\n", lines.size() - kMax + 1);
      i = lines.size() - 10;
    }
    std::printf("%s\n", lines[i].c_str());
  }
}

void on_signal(int) { g_interrupted = 1; }

void catch_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
}

void print_intro(const Style& st, const std::string& prefix) {
  std::printf("%sThe sixfour lab: an IPv6-only laptop reaches an IPv4-only web site.%s\n", st.bold(), st.off());
  std::printf(
      "%s  laptop %s --- %s gw %s --- %s web4 (IPv4 only, DNS %s)\n"
      "                       gw %s --- %s ds %s --- %s web4%s\n",
      st.dim(), std::string(lab::kLaptop6).c_str(), std::string(lab::kGwInside6).c_str(),
      std::string(lab::kGw4).c_str(), std::string(lab::kWeb4).c_str(), std::string(lab::kZone).c_str(),
      std::string(lab::kGwDs6).c_str(), std::string(lab::kDs6).c_str(), std::string(lab::kDs4).c_str(),
      std::string(lab::kWeb4Ds4).c_str(), st.off());
  std::printf("Building the namespaces %s ...\n", lab::ns_name(prefix, "*").c_str());
}

// One run of the story: the daemons it started, the checks made so far.
struct Demo {
  std::string prefix;
  Style st;
  lab::DemoOptions opt;
  std::map<std::string, pid_t> daemons;
  int checks = 0;

  // Each action prints its command and its outcome; false when the check failed.
  bool run_command(const lab::Action& a) {
    std::printf("\n%s%s$ %s%s\n", st.cmd(), a.node.c_str(), lab::display(a.argv).c_str(), st.off());
    Proc p = run(in_node(prefix, a.node, a.argv));
    print_output(st, p.out);
    std::string why;
    bool ok = !p.timed_out && (a.want_rc == lab::kAnyFailure ? p.rc != 0 : p.rc == a.want_rc);
    if (!ok)
      why = p.timed_out ? "timed out"
                        : fmt::format("exit status {}, expected {}", p.rc,
                                      a.want_rc == lab::kAnyFailure ? "a failure" : std::to_string(a.want_rc));
    ok = ok && lab::check_output(a.check, p.out, &why);
    ++checks;
    if (ok)
      std::printf("%s✓ %s%s\n", st.good(), a.text.c_str(), st.off());
    else
      std::printf("%s✗ %s: %s%s\n", st.bad(), a.text.c_str(), why.c_str(), st.off());
    return ok;
  }

  bool start_daemon(const lab::Action& a) {
    std::printf("\n%s%s$ %s &%s\n", st.cmd(), a.node.c_str(), lab::display(a.argv).c_str(), st.off());
    const std::string log = fmt::format("{}/{}.log", opt.dir, a.text);
    std::error_code ec;
    fs::remove(log, ec);  // a daemon started again (the gateway of step 6) shows only its new log
    std::string err;
    pid_t pid = start_ready(prefix, a.node, a.argv, a.ready, log, &err);
    ++checks;
    if (pid < 0) {
      std::printf("%s✗ %s did not start: %s%s\n", st.bad(), a.text.c_str(), err.c_str(), st.off());
      return false;
    }
    daemons[a.text] = pid;
    print_output(st, read_file(log));
    std::printf("%s✓ %s is running (pid %d)%s\n", st.good(), a.text.c_str(), static_cast<int>(pid), st.off());
    return true;
  }

  bool stop_daemon(const lab::Action& a) {
    auto it = daemons.find(a.text);
    if (it == daemons.end()) return true;
    std::printf("\n%s%s$ kill -TERM %d   # %s%s\n", st.cmd(), a.node.empty() ? "gw" : a.node.c_str(),
                static_cast<int>(it->second), a.text.c_str(), st.off());
    ::kill(it->second, SIGTERM);
    int rc = wait_status(it->second);
    daemons.erase(it);
    ++checks;
    if (rc == 0) {
      std::printf("%s✓ %s stopped (exit 0)%s\n", st.good(), a.text.c_str(), st.off());
      return true;
    }
    std::printf("%s✗ %s exited with status %d%s\n", st.bad(), a.text.c_str(), rc, st.off());
    return false;
  }

  bool act(const lab::Action& a) {
    switch (a.kind) {
      case lab::Action::Kind::Run:
        return run_command(a);
      case lab::Action::Kind::Start:
        return start_daemon(a);
      case lab::Action::Kind::Stop:
        return stop_daemon(a);
    }
    return false;
  }

  // The steps in order until one fails: "" when all worked, else what failed.
  std::string tell() {
    const auto steps = lab::demo_steps(opt);
    for (size_t si = 0; si < steps.size(); ++si) {
      const lab::Step& step = steps[si];
      std::printf("\n%s== %zu. %s%s\n", st.bold(), si + 1, step.title.c_str(), st.off());
      std::printf("%s\n", step.story.c_str());
      for (const lab::Action& a : step.actions) {
        if (g_interrupted) return "interrupted";
        if (!act(a)) return fmt::format("step {} ({})", si + 1, step.title);
      }
    }
    return "";
  }

  // The daemons' own words are the best diagnosis.
  void print_daemon_logs() const {
    for (const auto& [name, pid] : daemons) {
      (void)pid;
      std::string log = read_file(fmt::format("{}/{}.log", opt.dir, name));
      if (!log.empty())
        std::printf("%s--- %s log (last lines)%s\n%s", st.dim(), name.c_str(), st.off(), tail_lines(log, 10).c_str());
    }
  }
};

// Tears the lab down (unless --keep) and prints the summary; the exit status of `lab demo`.
int finish_demo(const Demo& d, const std::string& failure, bool keep, double secs) {
  const Style& st = d.st;
  if (keep && failure != "interrupted") {
    const std::string pfx = d.prefix == lab::kDefaultPrefix ? "" : fmt::format(" --prefix {}", d.prefix);
    std::printf("\nThe lab stays up (--keep): sixfour lab shell NODE%s, then sixfour lab down%s\n", pfx.c_str(),
                pfx.c_str());
  } else {
    teardown(d.prefix);
  }
  if (failure.empty()) {
    std::printf("\n%s✓ demo: every step worked (%d checks, %.1f s)%s\n", st.good(), d.checks, secs, st.off());
    return 0;
  }
  if (failure == "interrupted")
    std::printf("\n%s✗ demo: interrupted (%.1f s); the lab is torn down%s\n", st.bad(), secs, st.off());
  else
    std::printf("\n%s✗ demo: %s failed (%.1f s)%s\n", st.bad(), failure.c_str(), secs, st.off());
  return failure == "interrupted" ? 130 : 1;
}

}  // namespace

int lab_up(const std::string& prefix, bool gateway) {
  if (!is_root("sixfour lab up")) return 1;
  if (!build(prefix, nullptr)) return 1;
  const std::string pf = prefix == lab::kDefaultPrefix ? "" : fmt::format(" --prefix {}", prefix);
  std::string running = "nothing running: start the gateway";
  if (gateway) {
    lab::DemoOptions opt;
    opt.dir = scratch_dir(prefix);
    running.clear();
    for (const lab::Action& a : lab::gateway_start(opt)) {
      std::string err;
      pid_t pid = start_ready(prefix, a.node, a.argv, a.ready, fmt::format("{}/{}.log", opt.dir, a.text), &err);
      if (pid < 0) {
        std::fprintf(stderr, "sixfour lab up: %s\n", err.c_str());
        teardown(prefix);
        return 1;
      }
      running += fmt::format("{}{} running: {}", running.empty() ? "" : "; ", a.text, lab::display(a.argv));
    }
  }
  std::printf(
      "sixfour lab '%s' is up:\n"
      "  laptop  %s (IPv6 only; resolver %s)\n"
      "  gw      %s inside, %s outside, %s towards ds (%s)\n"
      "  web4    %s (IPv4 only): NSD for %s and ipv4only.arpa, HTTP on port 80\n"
      "  ds      %s and %s (dual stack): HTTP on port 80\n"
      "Namespaces %s; try:\n"
      "  sixfour lab shell%s gw -- sixfour gateway --inside eth-laptop --allow-non-global   (unless --gateway)\n"
      "  sixfour lab shell%s laptop -- curl http://%s/\n"
      "  sixfour lab down%s\n",
      prefix.c_str(), std::string(lab::kLaptop6).c_str(), std::string(lab::kGwInside6).c_str(),
      std::string(lab::kGwInside6).c_str(), std::string(lab::kGw4).c_str(), std::string(lab::kGwDs6).c_str(),
      running.c_str(), std::string(lab::kWeb4).c_str(), std::string(lab::kZone).c_str(), std::string(lab::kDs4).c_str(),
      std::string(lab::kDs6).c_str(), lab::ns_name(prefix, "{laptop,gw,web4,ds}").c_str(), pf.c_str(), pf.c_str(),
      std::string(lab::kV4Name).c_str(), pf.c_str());
  return 0;
}

int lab_down(const std::string& prefix) {
  if (!is_root("sixfour lab down")) return 1;
  if (teardown(prefix))
    std::printf("sixfour lab '%s' is down\n", prefix.c_str());
  else
    std::printf("sixfour lab '%s': nothing to remove\n", prefix.c_str());
  return 0;
}

int lab_shell(const std::string& prefix, const std::string& node, const std::vector<std::string>& cmd) {
  if (!is_root("sixfour lab shell")) return 1;
  if (!ns_exists(prefix, node)) {
    std::fprintf(stderr, "sixfour lab shell: no namespace %s (run `sixfour lab up%s` first)\n",
                 lab::ns_name(prefix, node).c_str(),
                 prefix == lab::kDefaultPrefix ? "" : fmt::format(" --prefix {}", prefix).c_str());
    return 1;
  }
  // `sixfour` inside the node is this very executable.
  const std::string self = self_path();
  const std::string bin = fs::path(self).parent_path().string();
  const char* path = std::getenv("PATH");
  ::setenv("PATH", fmt::format("{}:{}", bin, path ? path : "/usr/sbin:/usr/bin:/sbin:/bin").c_str(), 1);
  ::setenv("SIXFOUR_LAB_NODE", node.c_str(), 1);
  Argv argv = {"ip", "netns", "exec", lab::ns_name(prefix, node)};
  if (cmd.empty()) {
    const char* sh = std::getenv("SHELL");
    std::string shell = sh && *sh ? sh : "/bin/bash";
    argv.push_back(shell);
    if (fs::path(shell).filename() == "bash") {
      // No rc files, so that the prompt says where the shell is.
      ::setenv("PS1", fmt::format("[lab {}] \\w\\$ ", node).c_str(), 1);
      argv.push_back("--norc");
      argv.push_back("-i");
    }
  } else {
    argv.insert(argv.end(), cmd.begin(), cmd.end());
  }
  auto args = c_argv(argv);
  ::execvp(args[0], args.data());
  std::fprintf(stderr, "sixfour lab shell: ip: %s\n", std::strerror(errno));
  return 1;
}

int lab_demo(const std::string& prefix, bool keep) {
  if (!is_root("sixfour lab demo")) return 1;
  catch_signals();
  Demo d;
  d.prefix = prefix;
  const auto t0 = Clock::now();
  print_intro(d.st, prefix);
  if (!build(prefix, &d.daemons)) return g_interrupted ? 130 : 1;
  d.opt.dir = scratch_dir(prefix);
  std::string failure = d.tell();
  if (g_interrupted) failure = "interrupted";  // a signal during a failing step: still an interruption
  if (!failure.empty() && failure != "interrupted") d.print_daemon_logs();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  return finish_demo(d, failure, keep, secs);
}

}  // namespace sixfour::io
