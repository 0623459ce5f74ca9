// The seed corpora of the fuzz targets (fuzz/corpus/NAME/) are made by the unit tests' packet and
// message builders: each tests/unit/fuzz_seeds_NAME.cpp registers a function returning its named
// inputs (SIXFOUR_FUZZ_SEEDS), and tests/unit/fuzz_seeds_test.cpp checks that the committed files
// are exactly those (rewriting them with SIXFOUR_WRITE_FUZZ_SEEDS=1 after a change).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fuzzseeds {

using Bytes = std::vector<uint8_t>;
using Seeds = std::vector<std::pair<std::string, Bytes>>;  // file name, content
using Maker = Seeds (*)();

inline std::vector<std::pair<std::string, Maker>>& registry() {
  static std::vector<std::pair<std::string, Maker>> makers;
  return makers;
}

struct Registration {
  Registration(const char* target, Maker m) { registry().emplace_back(target, m); }
};

// `prefix` followed by `rest`: a settings byte (or any header of the target's input) and a packet.
inline Bytes with(std::initializer_list<uint8_t> prefix, const Bytes& rest) {
  Bytes b(prefix);
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

}  // namespace fuzzseeds

#define SIXFOUR_FUZZ_SEEDS(target)                                                                      \
  static fuzzseeds::Seeds fuzz_seeds_##target();                                                        \
  static const fuzzseeds::Registration fuzz_seeds_registration_##target(#target, &fuzz_seeds_##target); \
  static fuzzseeds::Seeds fuzz_seeds_##target()
