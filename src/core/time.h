// Simulated time: a strong integer-nanosecond type, never a double.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace preemptsim {

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time ns(std::int64_t v) { return Time(v); }
  static constexpr Time max() { return Time(std::numeric_limits<std::int64_t>::max()); }
  constexpr std::int64_t count() const { return v_; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Time o) const { return Time(v_ + o.v_); }
  constexpr Time operator-(Time o) const { return Time(v_ - o.v_); }
  constexpr Time& operator+=(Time o) { v_ += o.v_; return *this; }
  constexpr Time& operator-=(Time o) { v_ -= o.v_; return *this; }
  constexpr Time operator*(std::int64_t k) const { return Time(v_ * k); }
  constexpr std::int64_t operator/(Time o) const { return v_ / o.v_; }
  constexpr Time operator/(std::int64_t k) const { return Time(v_ / k); }
  constexpr Time operator%(Time o) const { return Time(v_ % o.v_); }

 private:
  constexpr explicit Time(std::int64_t v) : v_(v) {}
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

}  // namespace preemptsim
