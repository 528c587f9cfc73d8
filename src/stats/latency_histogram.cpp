// LatencyHistogram: log-linear (HDR-style) buckets with exact count/min/max/mean.
#include "stats/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace preemptsim {

namespace {

constexpr std::int64_t kSub = std::int64_t{1} << LatencyHistogram::kSubBits;  // 128

}  // namespace

// Bucket layout (S = 2^kSubBits):
//   b in [0, S): the single value b.
//   b >= S:      k = kSubBits + (b - S) / S is the power of two, j = (b - S) % S
//                the linear slot; the bucket covers
//                [2^k + j*2^(k-kSubBits), 2^k + (j+1)*2^(k-kSubBits) - 1].
// int64 values stop below 2^63, so k <= 62 and there are at most
// S + (62 - kSubBits + 1) * S = 57 * S buckets (bounded by 64 * S).
std::size_t LatencyHistogram::bucket_of(std::int64_t v) {
  if (v < kSub) return static_cast<std::size_t>(v < 0 ? 0 : v);
  const auto u = static_cast<std::uint64_t>(v);
  const int k = std::bit_width(u) - 1;  // 2^k <= v < 2^(k+1), k >= kSubBits
  const int shift = k - kSubBits;
  const std::uint64_t j = (u >> shift) - static_cast<std::uint64_t>(kSub);  // 0..S-1
  return static_cast<std::size_t>(kSub) * static_cast<std::size_t>(1 + shift) +
         static_cast<std::size_t>(j);
}

std::int64_t LatencyHistogram::bucket_upper(std::size_t b) {
  if (b < static_cast<std::size_t>(kSub)) return static_cast<std::int64_t>(b);
  const std::size_t shift = b / static_cast<std::size_t>(kSub) - 1;  // k - kSubBits
  const std::uint64_t j = b % static_cast<std::size_t>(kSub);
  // (S + j + 1) * 2^shift - 1, computed unsigned: for the last bucket this is 2^63 - 1.
  const std::uint64_t upper =
      ((static_cast<std::uint64_t>(kSub) + j + 1) << shift) - 1;
  return static_cast<std::int64_t>(upper);
}

void LatencyHistogram::record(Time t) {
  const std::int64_t v = std::max<std::int64_t>(t.count(), 0);
  const Time c = Time::ns(v);
  const std::size_t b = bucket_of(v);
  if (buckets_.size() <= b) buckets_.resize(b + 1, 0);
  ++buckets_[b];
  if (count_ == 0) {
    min_ = max_ = c;
  } else {
    min_ = std::min(min_, c);
    max_ = std::max(max_, c);
  }
  ++count_;
  sum_ += v;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (buckets_.size() < other.buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (std::size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

LatencyHistogram::State LatencyHistogram::state() const {
  State s;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i]) s.buckets.emplace_back(i, buckets_[i]);
  s.count = count_;
  const auto u = static_cast<unsigned __int128>(sum_);
  s.sum_hi = static_cast<std::uint64_t>(u >> 64);
  s.sum_lo = static_cast<std::uint64_t>(u);
  s.min = min_;
  s.max = max_;
  return s;
}

LatencyHistogram LatencyHistogram::from_state(const State& s) {
  LatencyHistogram h;
  for (const auto& [i, n] : s.buckets) {
    if (i >= h.buckets_.size()) h.buckets_.resize(i + 1, 0);
    h.buckets_[i] = n;
  }
  h.count_ = s.count;
  h.sum_ = static_cast<__int128>((static_cast<unsigned __int128>(s.sum_hi) << 64) | s.sum_lo);
  h.min_ = s.min;
  h.max_ = s.max;
  return h;
}

Time LatencyHistogram::mean() const {
  if (count_ == 0) return Time();
  return Time::ns(static_cast<std::int64_t>(sum_ / static_cast<__int128>(count_)));
}

Time LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return Time();
  if (!(q > 0.0)) return min_;  // also catches NaN
  if (q >= 1.0) return max_;
  // rank = ceil(q * count), with a small relative tolerance so that a product
  // that is mathematically an integer (0.99 * 1000) is not pushed up by one
  // through binary rounding of q.
  const long double x = static_cast<long double>(q) * static_cast<long double>(count_);
  auto rank = static_cast<std::uint64_t>(std::ceil(x - x * 1e-12L));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) {
      const Time v = Time::ns(bucket_upper(b));
      return std::clamp(v, min_, max_);
    }
  }
  return max_;  // unreachable: the buckets hold count_ samples
}

std::vector<std::pair<Time, std::uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<Time, std::uint64_t>> out;
  for (std::size_t b = 0; b < buckets_.size(); ++b)
    if (buckets_[b]) out.emplace_back(Time::ns(bucket_upper(b)), buckets_[b]);
  return out;
}

}  // namespace preemptsim
