// Tests of the Time rule (src/core/time.h): saturating arithmetic, checked
// conversions, and each extreme-value reproducer giving an error or a correct run.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/rng.h"
#include "scenario_util.h"
#include "workload/parse_yaml.h"

namespace preemptsim {
namespace {

using namespace literals;
using testing::run_model;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Parses `text`; it must fail with a WorkloadError whose message holds `part`
// at line `line` of w.yaml.
void expect_error(const std::string& text, int line, const std::string& part) {
  try {
    parse_workload(text, "w.yaml");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().line, line) << e.what();
    EXPECT_NE(e.message().find(part), std::string::npos) << e.what() << "\nexpected part: " << part;
  }
}

TEST(TimeRule, ArithmeticSaturatesInsteadOfWrapping) {
  EXPECT_EQ(Time::max() + 1_ns, Time::max());
  EXPECT_EQ(Time::max() + Time::max(), Time::max());
  EXPECT_EQ(Time::min() - 1_ns, Time::min());
  EXPECT_EQ(Time::min() - Time::max(), Time::min());
  EXPECT_EQ(Time::ns(1) - Time::min(), Time::max());
  EXPECT_EQ(Time::max() - 1_ns, Time::ns(kMax - 1));   // no saturation where it fits
  EXPECT_EQ(1_s * kMax, Time::max());
  EXPECT_EQ(1_s * -kMax, Time::min());
  EXPECT_EQ(Time::ns(-3) * -kMax, Time::max());
  EXPECT_EQ(Time::ns(std::numeric_limits<std::int64_t>::min()), Time::min());  // the one asymmetric value
  EXPECT_EQ(-Time::min(), Time::max());
  Time t = Time::max() - 5_ns;
  t += 10_ns;
  EXPECT_TRUE(t.is_never());
  EXPECT_GT(Time::max(), Time::max_run());
  EXPECT_EQ(Time::max_run().count(), std::int64_t{1} << 62);
}

TEST(TimeRule, ConversionsFromDoubleAreChecked) {
  EXPECT_EQ(Time::checked_ns(1.5), Time::ns(2));  // halves away from zero, as llround
  EXPECT_EQ(Time::checked_ns(-1.5), Time::ns(-2));
  EXPECT_EQ(Time::checked_ns(1e18), Time::ns(1'000'000'000'000'000'000));
  EXPECT_FALSE(Time::checked_ns(1.7e21).has_value());  // poisson rate 1e-12: 1e9/1e-12 ns
  EXPECT_FALSE(Time::checked_ns(0x1p63).has_value());
  EXPECT_FALSE(Time::checked_ns(std::nan("")).has_value());
  EXPECT_FALSE(Time::checked_ns(INFINITY).has_value());
  EXPECT_EQ(Time::saturating_ns(1.7e21), Time::max());
  EXPECT_EQ(Time::saturating_ns(-INFINITY), Time::min());
  EXPECT_EQ(Time::saturating_ns(std::nan("")), Time());
  EXPECT_FALSE(Time::checked_add(Time::max(), 1_ns).has_value());
  EXPECT_EQ(Time::checked_add(Time::max() - 1_ns, 1_ns), Time::max());
  EXPECT_FALSE(Time::checked_mul(Time::ns(9223372037), 1'000'000'000).has_value());
  EXPECT_EQ(Time::checked_mul(1_s, 9), 9_s);
}

// Reproducer 1: `sleep: 9223372036.854775807s` after 1 ms. The expiry is
// now + Time::max(), which saturates to "never": the task sleeps past the end
// of the run; its only wakeup is the 1 ms one, with a small positive latency.
TEST(TimeRule, SleepOfMaximalDurationNeverEnds) {
  const Scenario sc = parse_workload(R"(system: {cpus: 1, duration: 20ms, models: [full]}
tasks:
  t: {policy: fifo, priority: 50, program: [{sleep: 1ms}, {mark: first}, {sleep: 9223372036.854775807s}, {mark: woke}]}
)", "w.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& t = testing::task(r, "t");
  EXPECT_EQ(t.wakeup_latency.count(), 1u) << "expected 1 wakeup (the 1 ms sleep); the long sleep never ends";
  EXPECT_GE(t.wakeup_latency.min(), Time());
  EXPECT_LT(t.wakeup_latency.max(), 1_ms);
  EXPECT_EQ(t.marks.count("first"), 1u);
  EXPECT_EQ(t.marks.count("woke"), 0u) << "woke at " << format_time(t.marks.at("woke").first);
  EXPECT_FALSE(t.exit.has_value());
}

// Reproducer 2: (count - 1) x gap overflowed the burst check and was accepted.
TEST(TimeRule, BurstCheckDoesNotOverflow) {
  expect_error(R"(system: {cpus: 1, duration: 1s}
irqs:
  n:
    arrival: {burst: {count: 3, gap: 9223372036s, every: 1ms}}
    handler: 1us
tasks:
  t: {program: [{run: 1ms}]}
)", 4, "a burst must end before the next one starts");
}

// Reproducer 3: a sporadic arrival with min_interarrival 5000000000 s under a
// maximal duration wrapped negative and spun forever. A run is at most
// Time::max_run() (2^62 ns = 4611686018.427387904 s); one nanosecond more is
// an error; at the maximum, arrivals at k x 1000000000 s fall in the run for
// k = 1..4 (4e18 < 4.61e18 ns), and 5000000000 s falls after it.
TEST(TimeRule, SporadicArrivalUnderTheLongestRun) {
  expect_error(R"(system: {cpus: 1, duration: 4611686018.427387905s}
tasks:
  t: {program: [{run: 1ms}]}
)", 1, "longer than the longest run (146 years)");
  expect_error(R"(system: {cpus: 1, duration: 9223372036.854775807s}
tasks:
  t: {program: [{run: 1ms}]}
)", 1, "longer than the longest run");
  for (const auto& [interval, expected] : {std::pair{std::string("1000000000s"), 4u}, std::pair{std::string("5000000000s"), 0u}}) {
    const Scenario sc = parse_workload(R"(system: {cpus: 1, duration: 4611686018.427387904s, models: [full]}
irqs:
  n:
    arrival: {sporadic: {min_interarrival: )" + interval + ", mean: " + interval + R"(}}
    handler: 1us
tasks:
  t: {program: [{run: 1ms}]}
)", "w.yaml");
    const ModelResult r = run_model(sc, "full");
    EXPECT_EQ(r.irq_counts.at("n"), expected)
        << "expected floor(4611686018.427 s / " << interval << ") = " << expected << " arrivals";
  }
}

// Reproducer 4: `poisson: {rate: 1e-12}` converted 1.7e21 to int64. A mean
// interval beyond Time::max() is an error; a representable one (rate 1e-9:
// 1e9 s) runs, its large draws saturating to "never".
TEST(TimeRule, PoissonRateWithUnrepresentableInterval) {
  expect_error(R"(system: {cpus: 1, duration: 1s}
irqs:
  n: {arrival: {poisson: {rate: 1e-12}}, handler: 1us}
tasks:
  t: {program: [{run: 1ms}]}
)", 3, "rate 1e-12/s is too low");
  const Scenario sc = parse_workload(R"(system: {cpus: 1, duration: 4611686018s, models: [full]}
irqs:
  n: {arrival: {poisson: {rate: 1e-9}}, handler: 1us}
tasks:
  t: {program: [{run: 1ms}]}
)", "w.yaml");
  const ModelResult r = run_model(sc, "full");
  // Mean 1e9 s over 4.6e9 s: a handful of arrivals, never a wrapped flood.
  EXPECT_LT(r.irq_counts.at("n"), 30u) << "expected about 4611686018 s / 1e9 s = 4.6 arrivals";
}

// Reproducer 5: lognormal {median: 1ms, sigma: 50} gave 285 of 1000 draws
// negative (llround of values beyond int64 returns INT64_MIN). A draw beyond
// Time::max() is now Time::max(): P(draw > max) = P(z > ln(9.22e18 ns / 1e6 ns)
// / 50 = 0.597) = 0.275, so about 275 of 1000 saturate and none is negative.
TEST(TimeRule, LognormalDrawsSaturateNeverWrap) {
  Distribution d;
  d.kind = Distribution::Kind::Lognormal;
  d.median = 1_ms;
  d.sigma = 50;
  Rng rng(1, "test");
  int saturated = 0;
  for (int i = 0; i < 1000; ++i) {
    const Time x = d.sample(rng);
    ASSERT_GE(x, Time()) << "draw " << i;
    if (x.is_never()) ++saturated;
  }
  EXPECT_GT(saturated, 200) << "expected about 275 saturated draws; actual " << saturated;
  EXPECT_LT(saturated, 350) << "expected about 275 saturated draws; actual " << saturated;
  EXPECT_TRUE(d.expected().is_never()) << "e^(sigma^2/2) overflows: the mean is beyond any run";

  Distribution n;  // a normal with a huge spread: negative draws cut to 0, huge ones saturate
  n.kind = Distribution::Kind::Normal;
  n.mean = Time::max();
  n.stddev = Time::max();
  for (int i = 0; i < 1000; ++i) ASSERT_GE(n.sample(rng), Time());

  Distribution u;  // the mean of a uniform over the whole range must not overflow
  u.kind = Distribution::Kind::Uniform;
  u.lo = Time::max() - 2_ns;
  u.hi = Time::max();
  EXPECT_EQ(u.expected(), Time::max() - 1_ns);
  for (int i = 0; i < 100; ++i) ASSERT_GE(u.sample(rng), u.lo);
}

// A run and a handler drawn from a saturating distribution: the handler that
// draws "never" keeps the CPU to the end of the run, and the run still ends.
TEST(TimeRule, SaturatedHandlerEndsWithTheRun) {
  const Scenario sc = parse_workload(R"(system: {cpus: 1, duration: 50ms, models: [full]}
irqs:
  n: {arrival: {periodic: {period: 1ms}}, handler: {lognormal: {median: 1ms, sigma: 50}}}
tasks:
  t: {program: [{run: 1ms}]}
)", "w.yaml");
  const ModelResult r = run_model(sc, "full");
  EXPECT_GE(r.irq_counts.at("n"), 1u);
}

}  // namespace
}  // namespace preemptsim
