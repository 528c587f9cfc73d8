// The fuzzed entry points: the YAML workload parser, the rt-app parser, and parse-then-simulate.
#pragma once

#include <cstddef>
#include <cstdint>

namespace preemptsim::fuzz {

// Each takes arbitrary bytes. A WorkloadError (exit 2 in the CLI) is an
// accepted outcome; anything else escaping (another exception, a sanitizer
// report, an invariant failure, a hang) is a bug the fuzzer reports.
void parse_yaml_workload(const std::uint8_t* data, std::size_t size);
void parse_rtapp_use_case(const std::uint8_t* data, std::size_t size);
// Parses as the CLI does (rt-app by its shape, else YAML), caps the run at
// kSimulateCap of simulated time and 64 tasks, and simulates under `full`.
void parse_and_simulate(const std::uint8_t* data, std::size_t size);

}  // namespace preemptsim::fuzz
