// What a daemon's control socket says, without the socket: the table of commands a daemon
// answers (and the "unknown command" reply generated from it), and how a client reads a reply
// (JSON, with an "error" member when the daemon refused the command).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace sixfour {

// Control commands by name. Each handler returns the whole reply (a JSON document and "\n").
class CommandTable {
 public:
  using Handler = std::function<std::string()>;

  // Adds (or replaces) command `name`; returns *this for chaining.
  CommandTable& add(std::string name, Handler handler);

  // The handler's reply for `command`, or unknown_reply().
  std::string reply(std::string_view command) const;

  // {"error":"unknown command; try a, b or c"} naming the commands in the order they were added.
  std::string unknown_reply() const;

  std::vector<std::string> names() const;

 private:
  std::vector<std::pair<std::string, Handler>> commands_;
};

// "a", "a or b", "a, b or c".
std::string or_list(const std::vector<std::string>& words);

// The daemon's reply parsed; a reply that is not JSON, or carries an "error" member, is an error
// (with the daemon's own text in the latter case).
Result<nlohmann::json> parse_control_reply(std::string_view text);

// The document as flat "path = value" pairs: {"a":{"b":1},"c":[{"d":"x"}]} gives a.b = 1 and
// c.0.d = x. Strings are given without quotes, numbers and true/false/null as JSON writes them.
std::map<std::string, std::string> flatten(const nlohmann::json& doc);

}  // namespace sixfour
