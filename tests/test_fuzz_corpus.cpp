// Replays the fuzz corpus through the fuzz entry points in the normal build:
// the in-tree seeds and regression inputs, the examples, and rt-app's shipped examples.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_entry.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  const fs::path src(PREEMPTSIM_SOURCE_DIR);
  for (const fs::path& dir : {src / "fuzz" / "seeds", src / "fuzz" / "regressions", src / "examples",
                              fs::path("/usr/share/doc/rt-app/examples")}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() != ".gz" && e.path().filename() != "README.md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every input through every entry point: no exception but a workload error
// escapes, and (in the sanitizer build) no sanitizer report.
TEST(FuzzCorpus, EveryInputReplaysThroughEveryTarget) {
  const std::vector<fs::path> files = corpus();
  std::size_t seeds = 0;
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const std::string text = slurp(f);
    const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
    EXPECT_NO_THROW(preemptsim::fuzz::parse_yaml_workload(data, text.size()));
    EXPECT_NO_THROW(preemptsim::fuzz::parse_rtapp_use_case(data, text.size()));
    EXPECT_NO_THROW(preemptsim::fuzz::parse_and_simulate(data, text.size()));
    if (f.string().find("/fuzz/seeds/") != std::string::npos) ++seeds;
  }
  EXPECT_GE(seeds, 4u) << "the in-tree seeds must be found";
  EXPECT_GE(files.size(), 20u) << "seeds + regressions + examples";
}

}  // namespace
