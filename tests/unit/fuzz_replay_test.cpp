// Every fuzz target (fuzz/, fuzz/fuzz_target.hpp) replayed on the inputs committed for it: its seed
// corpus (fuzz/corpus/NAME/) and the inputs that once found a bug (fuzz/regressions/NAME/). The
// bodies are compiled into this binary with the rest of the unit tests, so the ASan+UBSan build
// replays them under the sanitizers too; an oracle failing (SIXFOUR_FUZZ_CHECK) aborts the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "fuzz_target.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(SIXFOUR_SOURCE_DIR) / "fuzz";

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> v;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzReplay, EveryTargetHasASeedCorpusAndEveryCorpusATarget) {
  std::set<std::string> names;
  for (const auto& [name, body] : sixfour::fuzz::registry()) {
    names.insert(name);
    EXPECT_FALSE(files_in(kFuzzDir / "corpus" / name).empty()) << "no seeds in fuzz/corpus/" << name;
  }
  EXPECT_GE(names.size(), 1u);
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(kFuzzDir / kind)) continue;
    for (const auto& e : fs::directory_iterator(kFuzzDir / kind)) {
      EXPECT_TRUE(names.count(e.path().filename().string()))
          << "fuzz/" << kind << "/" << e.path().filename().string() << " belongs to no target";
    }
  }
}

TEST(FuzzReplay, SeedsAndRegressionsRunClean) {
  size_t inputs = 0;
  for (const auto& [name, body] : sixfour::fuzz::registry())
    for (const char* kind : {"corpus", "regressions"})
      for (const fs::path& f : files_in(kFuzzDir / kind / name)) {
        SCOPED_TRACE(f.string());
        const std::vector<uint8_t> data = read_all(f);
        body(data);
        ++inputs;
      }
  EXPECT_GT(inputs, 0u);
}

}  // namespace
