// The control socket: a unix stream socket where a client writes one command line ("stats\n") and
// reads the reply until the daemon closes the connection. Served by an Asio io_context on its own
// thread so that the data-plane threads never block on a client.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/control_protocol.hpp"
#include "common/result.hpp"

namespace sixfour::io {

class ControlServer {
 public:
  // Maps a command line (without the newline) to the reply. Called on the control thread.
  using Handler = std::function<std::string(std::string_view command)>;

  // Binds `path` (mode 0600; its directory is created if missing; a stale socket file left by a dead
  // daemon is replaced, one that still answers is an error) and starts serving.
  static Result<std::unique_ptr<ControlServer>> start(const std::string& path, Handler handler);
  ~ControlServer();  // stops the thread and removes the socket file

  struct Impl;

 private:
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Client side: sends `command` + "\n" to the socket at `path` and returns everything the daemon
// writes back.
Result<std::string> control_request(const std::string& path, std::string_view command);

// The client side of every `stats`, `sessions` and `bib` command: asks the daemon at `path` for
// `command`; with `json` prints the reply as is, otherwise prints format(parsed reply). A failed
// connection, a reply that is not JSON or the daemon's "error" member is one line "WHO: ..." on
// stderr and exit status 1; 0 otherwise.
using ReplyFormatter = std::function<std::string(const nlohmann::json& reply)>;
int control_command(const std::string& who, const std::string& path, std::string_view command, bool json,
                    const ReplyFormatter& format);

}  // namespace sixfour::io
