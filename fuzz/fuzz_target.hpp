// One fuzz target per file under fuzz/ (docs/hardening.md): `SIXFOUR_FUZZ_TARGET(name) { ... }`
// defines what one input does. Built with -DSIXFOUR_FUZZ=ON (clang), each file becomes the
// libFuzzer program `fuzz_NAME` (NAME: the file's name without `_fuzz.cpp`); in the unit tests
// (any compiler) the same body is registered under `name` and tests/unit/fuzz_replay_test.cpp runs
// it on every file of fuzz/corpus/NAME/ and fuzz/regressions/NAME/, so a crash found once stays
// fixed. A target reports a wrong result (an oracle failing) with SIXFOUR_FUZZ_CHECK, which aborts:
// libFuzzer keeps the input, the replay test dies on it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sixfour::fuzz {

using Body = void (*)(std::span<const uint8_t> input);

inline std::vector<std::pair<std::string, Body>>& registry() {
  static std::vector<std::pair<std::string, Body>> targets;
  return targets;
}

struct Registration {
  Registration(const char* name, Body body) { registry().emplace_back(name, body); }
};

[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz oracle failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

}  // namespace sixfour::fuzz

#define SIXFOUR_FUZZ_CHECK(cond) ((cond) ? void(0) : ::sixfour::fuzz::check_failed(#cond, __FILE__, __LINE__))

#ifdef SIXFOUR_LIBFUZZER
#define SIXFOUR_FUZZ_ENTRY(name)                                            \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    sixfour_fuzz_##name(std::span<const uint8_t>(data, size));              \
    return 0;                                                               \
  }
#else
#define SIXFOUR_FUZZ_ENTRY(name) \
  static const ::sixfour::fuzz::Registration sixfour_fuzz_registration_##name(#name, &sixfour_fuzz_##name);
#endif

#define SIXFOUR_FUZZ_TARGET(name)                                  \
  static void sixfour_fuzz_##name(std::span<const uint8_t> input); \
  SIXFOUR_FUZZ_ENTRY(name)                                         \
  static void sixfour_fuzz_##name(std::span<const uint8_t> input)
