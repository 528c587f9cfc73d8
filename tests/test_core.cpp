// Unit tests for the simulation core: time, event ordering, random streams.
#include <gtest/gtest.h>

#include <set>

#include "core/event_queue.h"
#include "core/rng.h"
#include "core/time.h"

namespace preemptsim {
namespace {

TEST(Time, LiteralsAndFormatting) {
  EXPECT_EQ((3_s).count(), 3'000'000'000);
  EXPECT_EQ((50_us + 2_ms).count(), 2'050'000);
  EXPECT_EQ(format_time(4_us), "4.000 us");
  EXPECT_EQ(format_time(3_s + 2_us), "3.000002000 s");
  EXPECT_EQ(format_time(Time::ns(999)), "999 ns");
}

TEST(EventQueue, OrdersByTimeThenBandThenInsertion) {
  EventQueue q;
  q.push(10_us, Band::Control, 1, 0, 0);
  q.push(10_us, Band::Hardware, 2, 0, 0);
  q.push(10_us, Band::Completion, 3, 0, 0);
  q.push(5_us, Band::Control, 4, 0, 0);
  q.push(10_us, Band::Hardware, 5, 0, 0);
  std::vector<std::uint32_t> kinds;
  while (!q.empty()) kinds.push_back(q.pop().kind);
  // 5 us first; at 10 us: Completion, then the two Hardware events in insertion order, then Control.
  EXPECT_EQ(kinds, (std::vector<std::uint32_t>{4, 3, 2, 5, 1}));
}

TEST(Rng, SameSeedAndStreamGiveTheSameSequence) {
  Rng a(42, "irq/eth0"), b(42, "irq/eth0");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, StreamsAreIndependentOfEachOther) {
  // Drawing from one stream does not shift another: each is seeded from (seed, name) alone.
  Rng a(1, "timer"), b(1, "net");
  Rng a2(1, "timer");
  for (int i = 0; i < 10; ++i) b.next_u64();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_u64(), a2.next_u64());
  Rng c(1, "net"), d(2, "net");
  EXPECT_NE(c.next_u64(), d.next_u64());
}

TEST(Rng, UniformIntStaysInRangeAndCoversIt) {
  Rng r(7, "u");
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto v = r.uniform_int(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  const double u = r.next_unit();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
}

}  // namespace
}  // namespace preemptsim

#include "core/error.h"
#include "sim/run_options.h"

namespace preemptsim {
namespace {

TEST(RunOptions, ModelFilesSeedsAndModelLists) {
  EXPECT_EQ(model_file("out/trace.txt", "full", 1), "out/trace.txt") << "one model: the name as given";
  EXPECT_EQ(model_file("out/trace.txt", "full", 2), "out/trace.full.txt");
  EXPECT_EQ(model_file("out.d/trace", "rt", 2), "out.d/trace.rt") << "a dot in a directory is not an extension";
  EXPECT_EQ(model_file(".trace", "rt", 2), ".trace.rt") << "a dotfile keeps its name";
  EXPECT_EQ(parse_seed("42", SourceLoc{}), 42u);
  EXPECT_THROW(parse_seed("-1", SourceLoc{}), WorkloadError);
  EXPECT_THROW(parse_seed("4x", SourceLoc{}), WorkloadError);
  EXPECT_EQ(parse_model_list("full,,none", SourceLoc{}), (std::vector<std::string>{"full", "none"}));
  EXPECT_THROW(parse_model_list("full,preempt", SourceLoc{}), WorkloadError);
  EXPECT_THROW(parse_model_list(",", SourceLoc{}), WorkloadError);
}

}  // namespace
}  // namespace preemptsim
