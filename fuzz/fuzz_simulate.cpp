// libFuzzer target: parse, then simulate under full (capped simulated time).
#include <cstddef>
#include <cstdint>

#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  preemptsim::fuzz::parse_and_simulate(data, size);
  return 0;
}
