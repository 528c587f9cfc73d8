// Seeded random streams: one independent stream per named source, so adding a
// source never shifts the numbers another source draws.
#pragma once

#include <cstdint>
#include <string_view>

namespace preemptsim {

// xoshiro256** seeded through splitmix64 from (run seed, stream name).
class Rng {
 public:
  Rng(std::uint64_t seed, std::string_view stream);
  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 bits.
  double next_unit();
  // Uniform integer in [lo, hi] (inclusive), unbiased.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);

 private:
  std::uint64_t s_[4];
};

}  // namespace preemptsim
