// The `sixfour socks` daemon: a SOCKS5 (RFC 1928, RFC 1929) and SOCKS4/4a proxy on Asio with C++20
// coroutines, one io_context per worker thread, each with its own SO_REUSEPORT listening sockets
// (the kernel spreads clients over the workers). Data is relayed with splice(2) through a pipe.
// Parts: server.cpp (workers, accept loop, start-up), session.cpp (one client), connect.cpp
// (Happy Eyeballs), relay.cpp, udp_associate.cpp, stats.cpp, auth.cpp, nat64_prefix.cpp.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "socks/config.hpp"
#include "socks/users.hpp"

namespace sixfour::io {

// Reads the --users file again (SIGHUP); an error or an empty file keeps the running table.
using UsersReader = std::function<Result<std::vector<socks::UserEntry>>()>;

// Runs until SIGINT/SIGTERM (io/sys/daemon.hpp); returns the exit status (0 clean stop, 1 runtime
// failure). With `reread_users`, SIGHUP replaces the users table with what it reads.
int run_socks(const socks::Settings& settings, std::vector<socks::UserEntry> users, UsersReader reread_users = {});

// `sixfour socks stats`: the daemon's counters from its control socket (JSON or text).
int socks_stats(const std::string& control, bool json);

// crypt(3) with a fresh salt: yescrypt ("$y$"), or sha512crypt if libcrypt lacks it.
Result<std::string> socks_hash_password(const std::string& password);

// crypt_r(password, hash) compared in constant time with hash.
bool socks_check_password(const std::string& password, const std::string& hash);

}  // namespace sixfour::io
