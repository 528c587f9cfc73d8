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

// SlotQueue against a lazily-cancelling EventQueue (each slot's entries carry
// a token; an entry whose token is not its slot's current one is stale and
// skipped): the same live events in the same order, and as many dropped
// events counted by the last pop as the heap popped and skipped. Random arms,
// re-arms, cancels and pops with many equal times, in every band.
void check_slot_queue_against_lazy_heap(std::size_t slots, std::uint64_t seed) {
  SlotQueue q;
  q.resize(slots);
  EventQueue ref;
  std::vector<std::uint64_t> token(slots, 0);
  std::vector<bool> armed(slots, false);
  std::uint64_t stale = 0, stale_at_last_pop = 0, pops = 0;
  Rng r(seed, "slot-queue");
  Time now;
  for (int step = 0; step < 20000; ++step) {
    const auto slot = static_cast<std::size_t>(r.uniform_int(0, static_cast<std::int64_t>(slots) - 1));
    const std::int64_t what = r.uniform_int(0, 9);
    if (what < 4 && !q.empty()) {  // pop, then often re-arm the same slot (a CPU's next segment)
      while (!ref.empty() && (ref.top().token != token[static_cast<std::size_t>(ref.top().target)] || !armed[static_cast<std::size_t>(ref.top().target)])) {
        ref.pop();
        ++stale;
      }
      ASSERT_FALSE(ref.empty()) << "the slot queue holds an event the lazy heap does not";
      const Event want = ref.pop();
      armed[static_cast<std::size_t>(want.target)] = false;
      stale_at_last_pop = stale;
      const Event got = q.pop();
      ++pops;
      ASSERT_EQ(got.time, want.time) << "pop " << pops;
      ASSERT_EQ(got.band, want.band) << "pop " << pops;
      ASSERT_EQ(got.target, want.target) << "pop " << pops;
      ASSERT_EQ(got.token, want.token) << "pop " << pops;
      ASSERT_EQ(got.seq, want.seq) << "pop " << pops;
      now = got.time;
      if (r.uniform_int(0, 1) == 0) {
        const auto s = static_cast<std::size_t>(got.target);
        const Time t = now + Time::ns(r.uniform_int(0, 3));
        const auto band = static_cast<Band>(r.uniform_int(0, 2));
        q.arm(s, t, band, 7, got.target, ++token[s]);
        ref.push(t, band, 7, got.target, token[s]);
        armed[s] = true;
      }
    } else if (what < 8) {  // arm or re-arm
      const Time t = now + Time::ns(r.uniform_int(0, 3));
      const auto band = static_cast<Band>(r.uniform_int(0, 2));
      const auto target = static_cast<std::int32_t>(slot);
      q.arm(slot, t, band, 7, target, ++token[slot]);
      ref.push(t, band, 7, target, token[slot]);
      armed[slot] = true;
    } else {  // cancel (also of an empty slot)
      q.cancel(slot);
      ++token[slot];
      armed[slot] = false;
    }
    ASSERT_EQ(q.pushed(), ref.pushed());
    std::size_t live = 0;
    for (bool a : armed) live += a ? 1 : 0;
    ASSERT_EQ(q.size(), live) << "step " << step;
  }
  EXPECT_GT(pops, 1000u);
  EXPECT_GT(stale_at_last_pop, 100u);
  EXPECT_EQ(q.dropped_before_last_pop(), stale_at_last_pop) << "stale entries the lazy heap popped before its last live event";
}

TEST(SlotQueue, PopsWhatALazyHeapPopsAndCountsItsStaleEntries) {
  check_slot_queue_against_lazy_heap(13, 1);   // 16 leaves, 3 never used
  check_slot_queue_against_lazy_heap(16, 2);   // a full tree
  check_slot_queue_against_lazy_heap(2, 3);
  check_slot_queue_against_lazy_heap(100, 4);  // 128 leaves: deeper paths
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
