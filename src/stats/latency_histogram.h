// Bounded-memory latency histogram (HDR-style log-linear buckets) for
// percentiles without per-sample storage.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/time.h"

namespace preemptsim {

// Values are recorded exactly up to 2^kSubBits ns; above that, each power-of-two
// range is split into 2^kSubBits linear buckets, so a reported percentile is
// within 1/2^kSubBits (0.79 %) of the true sample value (it reports the
// bucket's upper edge, clamped to the exact max). count, min, max and mean are exact.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;

  void record(Time v);               // v >= 0
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  Time min() const { return min_; }  // 0 when empty
  Time max() const { return max_; }  // 0 when empty
  Time mean() const;                 // sum/count rounded down; 0 when empty
  // q in [0, 1]: the smallest recorded bucket value v such that at least
  // q*count samples are <= v. 0 when empty.
  Time percentile(double q) const;
  // The exact state (non-empty buckets by index, count, 128-bit sum, min,
  // max), to store a histogram and merge it later (sweeps, MPI ranks):
  // from_state(h.state()) equals h.
  struct State {
    std::vector<std::pair<std::size_t, std::uint64_t>> buckets;
    std::uint64_t count = 0;
    std::uint64_t sum_hi = 0, sum_lo = 0;  // the sum's two's-complement halves
    Time min, max;
  };
  State state() const;
  static LatencyHistogram from_state(const State& s);
  // The non-empty buckets as (upper edge, count), in increasing order (for plots).
  std::vector<std::pair<Time, std::uint64_t>> buckets() const;
  bool operator==(const LatencyHistogram&) const = default;

 private:
  static std::size_t bucket_of(std::int64_t v);
  static std::int64_t bucket_upper(std::size_t b);
  std::vector<std::uint64_t> buckets_;  // grown on demand
  std::uint64_t count_ = 0;
  __int128 sum_ = 0;
  Time min_, max_;
};

}  // namespace preemptsim
