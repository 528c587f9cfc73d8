// libFuzzer target: the rt-app use-case parser.
#include <cstddef>
#include <cstdint>

#include "fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  preemptsim::fuzz::parse_rtapp_use_case(data, size);
  return 0;
}
