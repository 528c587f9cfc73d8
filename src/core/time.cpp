// Formatting of simulated time for humans (tables, explanations).
#include "core/time.h"

#include <cstdlib>
#include <fmt/format.h>

namespace preemptsim {

std::string format_time(Time t) {
  const std::int64_t v = t.count();
  const std::int64_t a = std::llabs(v);
  const char* sign = v < 0 ? "-" : "";
  if (a >= 1000000000) return fmt::format("{}{}.{:09d} s", sign, a / 1000000000, a % 1000000000);
  if (a >= 1000000) return fmt::format("{}{}.{:06d} ms", sign, a / 1000000, a % 1000000);
  if (a >= 1000) return fmt::format("{}{}.{:03d} us", sign, a / 1000, a % 1000);
  return fmt::format("{}{} ns", sign, a);
}

}  // namespace preemptsim

namespace preemptsim {

std::string format_limit(Time t) {
  constexpr std::int64_t kYear = 31'557'600'000'000'000;  // 365.25 days
  if (t.count() >= kYear) return fmt::format("{} years", t.count() / kYear);
  return format_time(t);
}

}  // namespace preemptsim
