// Drawing durations from a workload's distributions (fixed, uniform, normal,
// lognormal, exponential, empirical histogram) with a seeded stream.
#include <cmath>

#include "core/rng.h"
#include "workload/scenario.h"

namespace preemptsim {
namespace {
// Box-Muller on two uniforms from the stream (deterministic, no std:: distributions,
// whose algorithms differ between standard libraries).
double standard_normal(Rng& rng) {
  double u1 = rng.next_unit();
  while (u1 <= 0.0) u1 = rng.next_unit();
  const double u2 = rng.next_unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}
Time from_ns(double v) { return Time::ns(v <= 0 ? 0 : static_cast<std::int64_t>(std::llround(v))); }
}  // namespace

Time Distribution::sample(Rng& rng) const {
  const Time v = sample_shape(rng);
  return v < min ? min : v > max ? max : v;
}

Time Distribution::sample_shape(Rng& rng) const {
  switch (kind) {
    case Kind::Fixed: return value;
    case Kind::Uniform: return Time::ns(rng.uniform_int(lo.count(), hi.count()));
    case Kind::Normal: return from_ns(static_cast<double>(mean.count()) + static_cast<double>(stddev.count()) * standard_normal(rng));
    case Kind::Lognormal: return from_ns(static_cast<double>(median.count()) * std::exp(sigma * standard_normal(rng)));
    case Kind::Exponential: {
      double u = rng.next_unit();
      while (u <= 0.0) u = rng.next_unit();
      return from_ns(-static_cast<double>(mean.count()) * std::log(u));
    }
    case Kind::Histogram: {
      double total = 0;
      for (const auto& b : buckets) total += b.second;
      double x = rng.next_unit() * total;
      for (const auto& b : buckets) {
        if (x < b.second) return b.first;
        x -= b.second;
      }
      return buckets.empty() ? Time() : buckets.back().first;
    }
  }
  return value;
}

Time Distribution::expected() const {
  const Time v = expected_shape();
  return v < min ? min : v > max ? max : v;
}

Time Distribution::expected_shape() const {
  switch (kind) {
    case Kind::Fixed: return value;
    case Kind::Uniform: return Time::ns((lo.count() + hi.count()) / 2);
    case Kind::Normal:
    case Kind::Exponential: return mean;
    case Kind::Lognormal: return from_ns(static_cast<double>(median.count()) * std::exp(sigma * sigma / 2));
    case Kind::Histogram: {
      double total = 0, sum = 0;
      for (const auto& b : buckets) {
        total += b.second;
        sum += b.second * static_cast<double>(b.first.count());
      }
      return total > 0 ? from_ns(sum / total) : Time();
    }
  }
  return value;
}

}  // namespace preemptsim
