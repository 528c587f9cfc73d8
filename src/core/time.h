// Simulated time: a strong integer-nanosecond type, never a double, that never wraps.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace preemptsim {

// The Time rule (docs/design.md, "The Time rule"):
//  1. Time is a signed 64-bit count of nanoseconds. Time::max() (INT64_MAX ns,
//     about 292 years) means "never": an instant beyond any run.
//     Time::min() is -Time::max(), so negation never overflows.
//  2. Arithmetic saturates at Time::min() and Time::max() instead of wrapping:
//     "now + a sleep of 292 years" is "never", not a time in the past.
//  3. A run lasts at most Time::max_run() (2^62 ns, about 146 years), so every
//     saturated instant lies strictly after the end of the run and never fires.
//  4. Conversions from double go through checked_ns() (nullopt when the value
//     is not a number or does not fit) or saturating_ns() (clamped; for random
//     draws, where a huge draw means "never within the run"). No llround, no
//     static_cast of an unchecked double.
//  5. A workload value whose consequence cannot be represented (a duration
//     longer than Time::max(), a run longer than max_run(), a rate whose mean
//     interval does not fit) is a workload error at its file:line:col, decided
//     when the workload is read, never discovered as a wrapped number later.
class Time {
 public:
  static constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();

  constexpr Time() = default;
  // INT64_MIN, the one value outside the symmetric range, becomes Time::min().
  static constexpr Time ns(std::int64_t v) { return Time(v < -kMaxNs ? -kMaxNs : v); }
  static constexpr Time max() { return Time(kMaxNs); }
  static constexpr Time min() { return Time(-kMaxNs); }
  static constexpr Time max_run() { return Time(std::int64_t{1} << 62); }
  constexpr std::int64_t count() const { return v_; }
  constexpr bool is_never() const { return v_ == kMaxNs; }

  // Clamped to [min(), max()]; not-a-number becomes 0.
  // Rounded to the nearest nanosecond, halves away from zero (as llround).
  static Time saturating_ns(double v) {
    if (std::isnan(v)) return Time();
    const double r = std::round(v);
    if (r >= 0x1p63) return max();  // 2^63: the first double past kMaxNs
    if (r <= -0x1p63) return min();
    return ns(static_cast<std::int64_t>(r));
  }
  // nullopt when `v` is not a number or rounds outside [min(), max()].
  static std::optional<Time> checked_ns(double v) {
    if (std::isnan(v) || std::round(v) >= 0x1p63 || std::round(v) <= -0x1p63) return std::nullopt;
    return saturating_ns(v);
  }
  // nullopt when the exact result does not fit (for parse-time checks).
  static constexpr std::optional<Time> checked_add(Time a, Time b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a.v_, b.v_, &r) || r < -kMaxNs) return std::nullopt;
    return Time(r);
  }
  static constexpr std::optional<Time> checked_mul(Time a, std::int64_t k) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a.v_, k, &r) || r < -kMaxNs) return std::nullopt;
    return Time(r);
  }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Time o) const { return sat_add(v_, o.v_); }
  constexpr Time operator-(Time o) const { return sat_add(v_, -o.v_); }
  constexpr Time operator-() const { return Time(-v_); }
  constexpr Time& operator+=(Time o) { return *this = *this + o; }
  constexpr Time& operator-=(Time o) { return *this = *this - o; }
  constexpr Time operator*(std::int64_t k) const {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(v_, k, &r) || r < -kMaxNs) return (v_ < 0) != (k < 0) ? min() : max();
    return Time(r);
  }
  constexpr std::int64_t operator/(Time o) const { return v_ / o.v_; }
  constexpr Time operator/(std::int64_t k) const { return Time(v_ / k); }
  constexpr Time operator%(Time o) const { return Time(v_ % o.v_); }

 private:
  constexpr explicit Time(std::int64_t v) : v_(v) {}
  static constexpr Time sat_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? max() : min();
    return Time(r < -kMaxNs ? -kMaxNs : r);
  }
  std::int64_t v_ = 0;
};

inline namespace literals {
constexpr Time operator""_ns(unsigned long long v) { return Time::ns(static_cast<std::int64_t>(v)); }
constexpr Time operator""_us(unsigned long long v) { return Time::ns(static_cast<std::int64_t>(v) * 1000); }
constexpr Time operator""_ms(unsigned long long v) { return Time::ns(static_cast<std::int64_t>(v) * 1000000); }
constexpr Time operator""_s(unsigned long long v) { return Time::ns(static_cast<std::int64_t>(v) * 1000000000); }
}  // namespace literals

// "3.000004 s", "4.000 us": human-readable with the largest unit that keeps
// the integer part non-zero; exact to the nanosecond.
std::string format_time(Time t);

// "146 years", "292 years": for messages about the limits above.
std::string format_limit(Time t);

}  // namespace preemptsim
