// `sixfour lab`: builds, demonstrates and tears down the network-namespace lab described in
// src/lab/lab.hpp, by running iproute2, sysctl, nsd and the clients as child processes (argv
// vectors, never a shell command line).
#pragma once
#include <string>
#include <vector>

namespace sixfour::io {

// Each returns the exit status of the command (0 ok, 1 failure); errors go to stderr.
// With `gateway`, also starts `sixfour gateway` in gw (as the demo's step 2 does).
int lab_up(const std::string& prefix, bool gateway);
int lab_down(const std::string& prefix);
int lab_demo(const std::string& prefix, bool keep);
// Replaces the process with `cmd` (or an interactive shell) inside the node's namespace.
int lab_shell(const std::string& prefix, const std::string& node, const std::vector<std::string>& cmd);
// The lab's tiny web server: answers every GET with lab::http_body(name, client address).
int lab_serve_http(const std::string& addr, const std::string& port, const std::string& name);

}  // namespace sixfour::io
