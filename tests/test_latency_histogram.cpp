// Tests for LatencyHistogram: exactness, percentile error bound, merge, edge cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "stats/latency_histogram.h"

namespace preemptsim {
namespace {

// Exact percentile by the histogram's definition: the sample at rank
// ceil(permille * n / 1000) (1-based) in sorted order.
std::int64_t exact_permille(const std::vector<std::int64_t>& sorted, std::uint64_t permille) {
  const std::uint64_t n = sorted.size();
  std::uint64_t rank = (permille * n + 999) / 1000;
  rank = std::clamp<std::uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

// Deterministic 64-bit generator (splitmix64).
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

TEST(LatencyHistogram, EmptyIsAllZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), Time());
  EXPECT_EQ(h.max(), Time());
  EXPECT_EQ(h.mean(), Time());
  EXPECT_EQ(h.percentile(0.0), Time());
  EXPECT_EQ(h.percentile(0.5), Time());
  EXPECT_EQ(h.percentile(1.0), Time());
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 0; v < 128; ++v) h.record(Time::ns(v));
  EXPECT_EQ(h.count(), 128u);
  EXPECT_EQ(h.min(), Time::ns(0));
  EXPECT_EQ(h.max(), Time::ns(127));
  EXPECT_EQ(h.mean(), Time::ns(63));  // 8128 / 128 = 63.5, rounded down
  for (int k = 1; k <= 128; ++k) {
    // rank k is the value k-1
    EXPECT_EQ(h.percentile(k / 128.0), Time::ns(k - 1)) << k;
  }
  EXPECT_EQ(h.percentile(0.0), Time::ns(0));
  EXPECT_EQ(h.percentile(0.5), Time::ns(63));
}

TEST(LatencyHistogram, SingleValueIsExactEverywhere) {
  LatencyHistogram h;
  h.record(Time::ns(1234567));
  for (double q : {0.0, 0.1, 0.5, 0.99, 0.999, 1.0}) EXPECT_EQ(h.percentile(q), Time::ns(1234567));
  EXPECT_EQ(h.mean(), Time::ns(1234567));
}

TEST(LatencyHistogram, UpperEdgeClampedToMaxAndMin) {
  LatencyHistogram h;
  // 1000 lies in the bucket [1000, 1003] (width 4 in [512, 1024)).
  h.record(Time::ns(1000));
  h.record(Time::ns(1001));
  EXPECT_EQ(h.percentile(0.5), Time::ns(1001));  // upper edge 1003 clamped to max
  h.record(Time::ns(2000));
  EXPECT_EQ(h.percentile(0.5), Time::ns(1003));  // bucket's upper edge
  EXPECT_EQ(h.percentile(0.0), Time::ns(1000));
  EXPECT_EQ(h.percentile(1.0), Time::ns(2000));
}

TEST(LatencyHistogram, NegativeClampsToZero) {
  LatencyHistogram h;
  h.record(Time::ns(-5));
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.min(), Time::ns(0));
  EXPECT_EQ(h.max(), Time::ns(0));
  EXPECT_EQ(h.percentile(0.5), Time::ns(0));
}

TEST(LatencyHistogram, HugeValues) {
  LatencyHistogram h;
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  h.record(Time::ns(big));
  h.record(Time::ns(big - 1));
  h.record(Time::ns(std::int64_t{1} << 62));
  EXPECT_EQ(h.max(), Time::ns(big));
  EXPECT_EQ(h.min(), Time::ns(std::int64_t{1} << 62));
  EXPECT_EQ(h.percentile(1.0), Time::ns(big));
  EXPECT_EQ(h.percentile(0.9), Time::ns(big));
  // exact mean despite the sum exceeding int64
  const __int128 sum = static_cast<__int128>(big) * 2 - 1 + (static_cast<__int128>(1) << 62);
  EXPECT_EQ(h.mean(), Time::ns(static_cast<std::int64_t>(sum / 3)));
}

TEST(LatencyHistogram, PercentileErrorBound) {
  for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    SplitMix rng{seed};
    LatencyHistogram h;
    std::vector<std::int64_t> v;
    __int128 sum = 0;
    for (int i = 0; i < 100000; ++i) {
      // log-uniform-ish spread from ns to ~ seconds
      const int bits = static_cast<int>(rng.next() % 34);
      const auto x = static_cast<std::int64_t>(rng.next() >> (64 - bits - 1) >> 1);
      v.push_back(x);
      sum += x;
      h.record(Time::ns(x));
    }
    std::sort(v.begin(), v.end());
    EXPECT_EQ(h.count(), v.size());
    EXPECT_EQ(h.min(), Time::ns(v.front()));
    EXPECT_EQ(h.max(), Time::ns(v.back()));
    EXPECT_EQ(h.mean(), Time::ns(static_cast<std::int64_t>(sum / static_cast<__int128>(v.size()))));
    for (std::uint64_t pm : {500u, 900u, 990u, 999u}) {
      const std::int64_t exact = exact_permille(v, pm);
      const std::int64_t got = h.percentile(pm / 1000.0).count();
      EXPECT_GE(got, exact) << "seed " << seed << " permille " << pm;
      EXPECT_LE(static_cast<double>(got - exact), static_cast<double>(exact) / 128.0)
          << "seed " << seed << " permille " << pm << " exact " << exact << " got " << got;
    }
  }
}

TEST(LatencyHistogram, EveryValueWithinBound) {
  // For each recorded value alone the reported percentile is the bucket's
  // upper edge, clamped to max -- so check the bucket edges directly by
  // recording v and a much larger value, and asking for the median.
  for (std::int64_t v = 0; v < 300000; v += (v < 5000 ? 1 : 97)) {
    LatencyHistogram h;
    h.record(Time::ns(v));
    h.record(Time::ns(std::int64_t{1} << 40));
    const std::int64_t got = h.percentile(0.5).count();
    ASSERT_GE(got, v);
    ASSERT_LE(static_cast<double>(got - v), static_cast<double>(v) / 128.0) << v;
    if (v < 128) {
      ASSERT_EQ(got, v);
    }
  }
}

TEST(LatencyHistogram, MergeEqualsRecordingAll) {
  SplitMix rng{42};
  LatencyHistogram a, b, all;
  for (int i = 0; i < 5000; ++i) {
    const auto x = static_cast<std::int64_t>(rng.next() % 10000000);
    (i % 3 == 0 ? a : b).record(Time::ns(x));
    all.record(Time::ns(x));
  }
  LatencyHistogram m = a;
  m.merge(b);
  EXPECT_EQ(m.count(), all.count());
  EXPECT_EQ(m.min(), all.min());
  EXPECT_EQ(m.max(), all.max());
  EXPECT_EQ(m.mean(), all.mean());
  for (double q : {0.0, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) EXPECT_EQ(m.percentile(q), all.percentile(q));
}

TEST(LatencyHistogram, MergeWithEmpty) {
  LatencyHistogram a, empty;
  a.record(Time::ns(500));
  a.record(Time::ns(700));
  LatencyHistogram x = a;
  x.merge(empty);
  EXPECT_EQ(x.count(), 2u);
  EXPECT_EQ(x.min(), Time::ns(500));
  LatencyHistogram y;
  y.merge(a);
  EXPECT_EQ(y.count(), 2u);
  EXPECT_EQ(y.min(), Time::ns(500));
  EXPECT_EQ(y.max(), Time::ns(700));
  EXPECT_EQ(y.mean(), Time::ns(600));
}

TEST(LatencyHistogram, IntegralRankNotPushedUp) {
  // In binary floating point 0.07 * 100 is 7.000000000000001; the rank must
  // still be 7 (the value 6 among 0..99), not 8.
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.record(Time::ns(i));
  for (int pc = 1; pc <= 100; ++pc)
    EXPECT_EQ(h.percentile(pc / 100.0), Time::ns(pc - 1)) << pc;
  EXPECT_EQ(h.percentile(0.07), Time::ns(6));
}

}  // namespace
}  // namespace preemptsim
