#include "io/siit_daemon.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "siit/translator.hpp"

namespace sixfour::io {

namespace {

// An IPv4 packet can be 65535 bytes; translation adds at most 20 bytes of header per fragment
// (plus ICMP error quoting), which xlat::Output asks the caller to cover with 4 KiB of slack.
constexpr size_t kBufferSize = 65536 + 4096;
// Packets handled per wake-up before counters are published and poll() is called again.
constexpr int kBatch = 64;

}  // namespace

SiitDaemon::SiitDaemon(const siit::Settings& settings, const Tun& tun)
    : settings_(settings), tun_(tun), published_(new PublishedCounters[tun.queues()]) {}

Status SiitDaemon::start() {
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  started_ = std::chrono::steady_clock::now();
  for (size_t q = 0; q < tun_.queues(); ++q) threads_.emplace_back([this, q] { run(q); });
  return Ok{};
}

void SiitDaemon::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  if (stop_fd_) {
    uint64_t one = 1;
    // Level-triggered and never read: every worker's poll() sees it.
    [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

StatsSnapshot SiitDaemon::stats() const {
  StatsSnapshot s;
  s.tun = tun_.name();
  s.uptime_seconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
  s.workers.resize(tun_.queues());
  s.io.resize(tun_.queues());
  for (size_t q = 0; q < tun_.queues(); ++q) published_[q].load(s.workers[q], s.io[q]);
  return s;
}

void SiitDaemon::run(size_t queue) {
  const int fd = tun_.fd(queue);
  siit::Translator translator(settings_);
  std::vector<uint8_t> in(kBufferSize);
  std::vector<uint8_t> outbuf(kBufferSize);
  xlat::Output out;
  IoCounters io;
  PublishedCounters& pub = published_[queue];

  pollfd pfd[2] = {{fd, POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  for (;;) {
    int r = ::poll(pfd, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      spdlog::error("worker {}: poll: {}", queue, std::strerror(errno));
      break;
    }
    if (pfd[1].revents) break;
    if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      spdlog::error("worker {}: TUN queue closed", queue);
      break;
    }
    ++io.wakeups;
    for (int i = 0; i < kBatch; ++i) {
      ssize_t n = ::read(fd, in.data(), in.size());
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) ++io.read_errors;
        break;
      }
      out.data = std::span<uint8_t>(outbuf);
      out.count = 0;
      translator.translate(std::span<const uint8_t>(in.data(), static_cast<size_t>(n)), out);
      if (out.outcome == xlat::Outcome::Drop) continue;
      // Forwarded translations and ICMP errors alike go back into the kernel through the TUN; the
      // kernel routes each by its own family and destination.
      size_t off = 0;
      for (size_t k = 0; k < out.count; ++k) {
        const size_t len = out.lens[k];
        if (::write(fd, outbuf.data() + off, len) != static_cast<ssize_t>(len)) ++io.write_errors;
        off += len;
      }
    }
    pub.publish(translator.counters(), io);
  }
  pub.publish(translator.counters(), io);
  // A worker that stops on its own (its queue failed) takes the daemon down rather than leaving
  // part of the traffic silently untranslated; the main thread waits for this signal.
  if (!stopping_.load(std::memory_order_relaxed)) ::kill(::getpid(), SIGTERM);
}

}  // namespace sixfour::io
