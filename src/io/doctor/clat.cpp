// `sixfour doctor`: which CLAT carries the host's IPv4, and whether it is a `sixfour clat` (its
// control socket answers `status`).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "clat/config.hpp"
#include "io/doctor/doctor.hpp"
#include "io/sys/control.hpp"
#include "io/sys/fd.hpp"

namespace sixfour::io {

namespace {

namespace fs = std::filesystem;

// The inode of a process's network namespace; 0 when it cannot be read (another user's process).
ino_t netns_of(const std::string& pid) {
  struct stat st {};
  if (::stat(fmt::format("/proc/{}/ns/net", pid).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// False when the daemon behind the socket at `path` provably runs in another network namespace
// (a socket file is seen from every namespace; a lab runs one CLAT per namespace). True when it
// runs in ours, or when we may not look (then the caller matches it by its TUN and address).
bool same_netns(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return false;
  std::memcpy(sa.sun_path, path.data(), path.size());
  Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return false;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return true;
  const ino_t theirs = netns_of(std::to_string(cred.pid)), ours = netns_of("self");
  return theirs == 0 || ours == 0 || theirs == ours;
}

// The control sockets a sixfour clat may listen on: the default one of `tun` first.
std::vector<std::string> candidate_sockets(const std::string& tun) {
  std::vector<std::string> out;
  if (!tun.empty()) out.push_back(clat::default_control_path(tun));
  std::error_code ec;
  const fs::path dir = fs::path(clat::default_control_path("x")).parent_path();
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("clat-") && name.ends_with(".sock")) found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());
  for (const std::string& f : found)
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  return out;
}

bool has_interface(const std::vector<doctor::Interface>& ifs, const std::string& name) {
  return std::any_of(ifs.begin(), ifs.end(), [&](const doctor::Interface& i) { return i.name == name; });
}

}  // namespace

std::optional<doctor::ClatReport> doctor_clat(const std::vector<doctor::Interface>& ifs,
                                              const std::vector<doctor::DefaultRoute>& routes) {
  std::optional<doctor::ClatReport> found = doctor::find_clat(ifs, routes);
  for (const std::string& path : candidate_sockets(found ? found->interface : "")) {
    if (!same_netns(path)) continue;
    auto reply = control_request(path, "status");
    if (!reply) continue;
    doctor::ClatReport c = found ? *found : doctor::ClatReport{};
    if (!doctor::read_clat_status(c, *reply, path) || !has_interface(ifs, c.interface)) continue;
    return c;
  }
  return found;
}

}  // namespace sixfour::io
