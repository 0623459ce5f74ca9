// A daemon's printed configuration (render_toml) compared without the notes after the values
// ("  # chosen; ..."), which say where a value came from and so differ between two printings of
// the same settings. Used by fuzz/config_fuzz.cpp and the gateway's unit tests.
#pragma once
#include <sstream>
#include <string>

namespace sixfour::fuzz {

inline std::string without_notes(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t note = line.find("  # ");
    out += (line.rfind('#', 0) == 0 || note == std::string::npos ? line : line.substr(0, note)) + "\n";
  }
  return out;
}

}  // namespace sixfour::fuzz
