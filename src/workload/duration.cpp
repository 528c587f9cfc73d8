// Exact parsing of user-written durations ("3s", "4.5ms", "100us", "250ns", "1.5 s") to Time.
#include "workload/duration.h"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace preemptsim {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ns;  // nanoseconds per unit
  int digits;       // log10(ns): how many decimals the unit can carry exactly
};
// "µs" as the docs write it: U+00B5 MICRO SIGN, or U+03BC GREEK SMALL LETTER MU.
constexpr Unit kUnits[] = {{"ns", 1, 0},           {"us", 1'000, 3},        {"\u00b5s", 1'000, 3},
                           {"\u03bcs", 1'000, 3}, {"ms", 1'000'000, 6}, {"s", 1'000'000'000, 9}};
constexpr std::string_view kUnitList = "ns, us or \u00b5s, ms, s";

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Time> try_parse_duration(std::string_view text, std::string& error) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  if (text.empty()) {
    error = fmt::format("expected a duration such as '1.5ms' (units: {}), got nothing", kUnitList);
    return std::nullopt;
  }
  const auto invalid = [&] {
    error = fmt::format("invalid duration '{}': expected a number followed by a unit ({}), e.g. '1.5ms'", text,
                        kUnitList);
    return std::nullopt;
  };
  if (text.front() == '-') {
    error = fmt::format("negative duration '{}': durations must be zero or more", text);
    return std::nullopt;
  }

  // 1. Integer part (at least one digit), then an optional fraction.
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0;
  std::int64_t whole = 0;
  bool too_large = false;  // the integer part alone exceeds kMax
  while (i < text.size() && is_digit(text[i])) {
    const int d = text[i] - '0';
    if (whole > (kMax - d) / 10) too_large = true;
    else whole = whole * 10 + d;
    ++i;
  }
  if (i == 0) return invalid();
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return invalid();
  }

  // 2. Optional blanks, then the unit.
  while (i < text.size() && is_blank(text[i])) ++i;
  const std::string_view unit_text = text.substr(i);
  if (unit_text.empty()) {
    error = fmt::format("missing unit in duration '{}' (units: {}; e.g. '{}ms')", text, kUnitList, text);
    return std::nullopt;
  }
  const Unit* unit = nullptr;
  for (const auto& u : kUnits)
    if (u.name == unit_text) unit = &u;
  if (unit == nullptr) {
    for (char c : unit_text)
      if (is_digit(c) || c == '.' || c == '+' || c == '-') return invalid();  // "1e3ms", "1.2.3s"
    error = fmt::format("unknown unit '{}' in duration '{}' (units: {})", unit_text, text, kUnitList);
    return std::nullopt;
  }

  // 3. Exactness: trailing zeros of the fraction do not count; the rest must
  //    fit the unit's decimals (1 ns resolution).
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (static_cast<int>(fraction.size()) > unit->digits) {
    error = fmt::format("duration '{}' is finer than the 1 ns resolution", text);
    return std::nullopt;
  }
  std::int64_t frac_ns = 0;  // < unit->ns <= 1e9: no overflow
  for (char c : fraction) frac_ns = frac_ns * 10 + (c - '0');
  for (int k = static_cast<int>(fraction.size()); k < unit->digits; ++k) frac_ns *= 10;

  // 4. whole * unit + fraction must fit in Time.
  if (too_large || whole > (kMax - frac_ns) / unit->ns) {
    error = fmt::format("duration '{}' is too large (at most {})", text, format_time(Time::max()));
    return std::nullopt;
  }
  return Time::ns(whole * unit->ns + frac_ns);
}

Time parse_duration(const std::string& text, const SourceLoc& loc) {
  std::string error;
  if (auto t = try_parse_duration(text, error)) return *t;
  throw_workload_error(loc, error);
}

}  // namespace preemptsim
