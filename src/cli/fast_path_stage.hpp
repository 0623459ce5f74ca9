// The eBPF fast path as a daemon stage (`--fast-path auto|off`): attached when asked and possible,
// detached when the stage goes (kept before the data plane, so after it on stop), else why not.
// `Path` is io::SiitFastPath or io::Nat64FastPath.
#pragma once
#include <memory>
#include <string>
#include <utility>

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
  // For the start line: "fast path eBPF" or "fast path off (REASON)".
  std::string text() const { return path ? "fast path eBPF" : "fast path off (" + off_reason + ")"; }
};

template <class Path, class Settings>
FastPathStage<Path> start_fast_path(bool asked, const Settings& s, int ifindex) {
  FastPathStage<Path> st;
  if (!asked) {
    st.off_reason = "--fast-path off";
    return st;
  }
  auto p = Path::attach(s, ifindex);
  if (p)
    st.path = std::move(p.value());
  else
    st.off_reason = p.error();
  return st;
}

}  // namespace sixfour::cli
