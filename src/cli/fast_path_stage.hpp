// The eBPF fast path as a daemon stage (`--fast-path auto|off`): attached when asked and possible,
// detached when the stage goes (kept before the data plane, so after it on stop), else why not.
// `Path` is io::SiitFastPath or io::Nat64FastPath.
#pragma once
#include <memory>
#include <string>
#include <utility>

#include "common/config_addr.hpp"
#include "io/fastpath/siit_fast_path.hpp"

namespace sixfour::cli {

template <class Path>
struct FastPathStage {
  std::unique_ptr<Path> path;
  std::string off_reason;

  io::FastPathStats stats() const {
    if (path) return path->stats();
    io::FastPathStats s;
    s.reason = off_reason;
    return s;
  }
  // For the start line: "fast path eBPF", with the uplinks it sits on if any, or "fast path off
  // (REASON)".
  std::string text() const {
    if (!path) return "fast path off (" + off_reason + ")";
    const std::string where = path->where();
    return where.empty() ? "fast path eBPF" : "fast path eBPF (" + where + ")";
  }
};

template <class Path, class Settings>
FastPathStage<Path> start_fast_path(FastPathMode mode, const Settings& s, int ifindex) {
  FastPathStage<Path> st;
  if (mode == FastPathMode::Off) {
    st.off_reason = "--fast-path off";
    return st;
  }
  auto p = Path::attach(s, ifindex, mode == FastPathMode::Auto);
  if (p)
    st.path = std::move(p.value());
  else
    st.off_reason = p.error();
  return st;
}

}  // namespace sixfour::cli
