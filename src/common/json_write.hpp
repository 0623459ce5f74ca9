// JSON output (--json, control-socket answers) through nlohmann-json. ordered_json keeps the
// members in the order they are added, which is the order the documented outputs have.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace sixfour {

using Json = nlohmann::ordered_json;

// Compact text (no spaces). A string that is not valid UTF-8 (an interface name, a DNS status
// from the wire) gets U+FFFD for the bad octets instead of an exception.
inline std::string json_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace sixfour
