#include "common/control_protocol.hpp"

namespace sixfour {

CommandTable& CommandTable::add(std::string name, Handler handler) {
  for (auto& [n, h] : commands_)
    if (n == name) {
      h = std::move(handler);
      return *this;
    }
  commands_.emplace_back(std::move(name), std::move(handler));
  return *this;
}

std::string CommandTable::reply(std::string_view command) const {
  for (const auto& [n, h] : commands_)
    if (n == command) return h();
  return unknown_reply();
}

std::string CommandTable::unknown_reply() const {
  nlohmann::json j;
  j["error"] = commands_.empty() ? std::string("unknown command") : "unknown command; try " + or_list(names());
  return j.dump() + "\n";
}

std::vector<std::string> CommandTable::names() const {
  std::vector<std::string> out;
  for (const auto& c : commands_) out.push_back(c.first);
  return out;
}

std::string or_list(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

Result<nlohmann::json> parse_control_reply(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"the reply is not JSON"};
  if (doc.is_object() && doc.contains("error")) {
    const auto& e = doc["error"];
    return Error{e.is_string() ? e.get<std::string>() : e.dump()};
  }
  return doc;
}

namespace {

void flatten_into(const nlohmann::json& node, const std::string& path, std::map<std::string, std::string>& out) {
  auto join = [&path](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) flatten_into(v, join(k), out);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) flatten_into(node[i], join(std::to_string(i)), out);
  } else if (node.is_string()) {
    out[path] = node.get<std::string>();
  } else {
    out[path] = node.dump();
  }
}

}  // namespace

std::map<std::string, std::string> flatten(const nlohmann::json& doc) {
  std::map<std::string, std::string> out;
  flatten_into(doc, "", out);
  return out;
}

}  // namespace sixfour
