#include "io/dataplane/data_plane.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/dataplane/packet_path.hpp"
#include "io/dataplane/tun_queue.hpp"

namespace sixfour::io {

DataPlane::DataPlane(const Tun& tun, const xlat::Config& xlat)
    : tun_(tun), xlat_(xlat), published_(new PublishedIo[tun.queues()]) {}

Status DataPlane::start(std::vector<std::unique_ptr<Worker>> workers) {
  if (workers.size() != tun_.queues())
    return Error{fmt::format("{} workers for {} TUN queues", workers.size(), tun_.queues())};
  stop_fd_ = Fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (!stop_fd_) return Error{fmt::format("eventfd: {}", std::strerror(errno))};
  workers_ = std::move(workers);
  started_ = std::chrono::steady_clock::now();
  for (size_t q = 0; q < workers_.size(); ++q) threads_.emplace_back([this, q] { run(q, *workers_[q]); });
  return Ok{};
}

void DataPlane::stop() {
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

std::vector<IoCounters> DataPlane::io() const {
  std::vector<IoCounters> out(tun_.queues());
  for (size_t q = 0; q < out.size(); ++q) out[q] = published_[q].load();
  return out;
}

uint64_t DataPlane::uptime_seconds() const {
  if (started_ == std::chrono::steady_clock::time_point{}) return 0;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
}

void DataPlane::run(size_t queue, Worker& worker) {
  if (queue < cpus_.size()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpus_[queue], &set);
    // Only the wake-ups are slower without it (the steering still names this queue): not fatal.
    if (const int err = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); err != 0)
      spdlog::warn("worker {}: cannot pin to CPU {}: {}", queue, cpus_[queue], std::strerror(err));
  }
  TunFdQueue tun(tun_.fd(queue));
  IoCounters io;
  Writer writer(tun, tun_.vnet_hdr(), (tun_.offloads() & (Tun::kUso4 | Tun::kUso6)) != 0, io, queue);
  PacketPath path(worker, xlat_, tun_.vnet_hdr(), writer, io);
  PublishedIo& pub = published_[queue];
  pollfd pfd[2] = {{tun.fd(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
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
    worker.begin_batch();
    path.read_batch(tun);
    worker.publish();
    pub.publish(io);
  }
  worker.publish();
  pub.publish(io);
  // A worker that stops on its own (its queue failed) takes the daemon down rather than leaving
  // part of the traffic silently untranslated; the main thread waits for this signal.
  if (!stopping_.load(std::memory_order_relaxed)) ::kill(::getpid(), SIGTERM);
}

unsigned default_workers() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  // MAX_TAP_QUEUES in the Linux TUN driver is 256.
  return static_cast<unsigned>(std::clamp<long>(n, 1, 256));
}

Result<TranslatorLink> open_translator_link(const std::string& name, unsigned queues, bool offload, unsigned mtu) {
  auto tun = Tun::open(name, queues, offload);
  if (!tun) return Error{tun.error()};
  auto nl = Netlink::open();
  if (!nl) return Error{nl.error()};
  auto ifindex = nl.value().link_index(tun->name());
  if (!ifindex) return Error{ifindex.error()};
  if (auto st = nl.value().set_mtu(*ifindex, mtu); !st) return Error{st.error()};
  if (auto st = nl.value().set_link_up(*ifindex); !st) return Error{st.error()};
  return TranslatorLink{std::move(tun).value(), std::move(nl).value(), *ifindex};
}

}  // namespace sixfour::io
