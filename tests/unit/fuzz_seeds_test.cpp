// The committed seed corpora (fuzz/corpus/NAME/) are exactly what the builders of
// tests/unit/fuzz_seeds_NAME.cpp make, so they follow the targets' input formats. Run with
// SIXFOUR_WRITE_FUZZ_SEEDS=1 to rewrite them (after changing a format or a seed), then commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "fuzz_seeds.hpp"
#include "fuzz_target.hpp"

namespace {

namespace fs = std::filesystem;

TEST(FuzzSeeds, CommittedCorporaAreTheBuildersOutput) {
  const fs::path corpus = fs::path(SIXFOUR_SOURCE_DIR) / "fuzz" / "corpus";
  const bool write = std::getenv("SIXFOUR_WRITE_FUZZ_SEEDS") != nullptr;
  std::set<std::string> targets;
  for (const auto& [name, body] : sixfour::fuzz::registry()) targets.insert(name);
  for (const auto& [target, make] : fuzzseeds::registry()) {
    EXPECT_TRUE(targets.count(target)) << "seeds for a target that does not exist: " << target;
    const fs::path dir = corpus / target;
    const fuzzseeds::Seeds seeds = make();
    EXPECT_FALSE(seeds.empty()) << target;
    if (write) {
      fs::remove_all(dir);
      fs::create_directories(dir);
    }
    std::set<std::string> names;
    for (const auto& [name, bytes] : seeds) {
      EXPECT_TRUE(names.insert(name).second) << target << ": two seeds named " << name;
      if (write) {
        std::ofstream(dir / name, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        continue;
      }
      std::ifstream in(dir / name, std::ios::binary);
      ASSERT_TRUE(in) << "missing seed fuzz/corpus/" << target << "/" << name
                      << " (run the unit tests with SIXFOUR_WRITE_FUZZ_SEEDS=1)";
      const std::vector<uint8_t> got{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      EXPECT_EQ(got, bytes) << "fuzz/corpus/" << target << "/" << name
                            << " differs from its builder (SIXFOUR_WRITE_FUZZ_SEEDS=1 rewrites it)";
    }
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      EXPECT_TRUE(names.count(e.path().filename().string()))
          << "fuzz/corpus/" << target << "/" << e.path().filename().string() << " has no builder";
    }
  }
}

}  // namespace
