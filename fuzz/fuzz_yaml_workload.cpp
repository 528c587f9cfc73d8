// libFuzzer target: the YAML workload parser.
#include <cstddef>
#include <cstdint>

#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  preemptsim::fuzz::parse_yaml_workload(data, size);
  return 0;
}
