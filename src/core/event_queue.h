// The discrete-event queues: events ordered by (time, band, sequence number),
// so that equal times resolve the same way on every run. EventQueue is a
// plain heap; SlotQueue holds at most one event per slot (a CPU's timer,
// its segment end ...), so re-arming or cancelling drops the old event at once.
#pragma once

#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

#include "core/time.h"

namespace preemptsim {

// Tie-break between events due at the same nanosecond. Lower runs first.
enum class Band : std::uint8_t {
  // Work a CPU finishes at t is done at t: an interrupt raised at the same
  // instant finds the CPU after that piece of work, never inside it.
  Completion = 0,
  // Hardware arrivals (clock events, IPIs, device interrupts).
  Hardware = 1,
  // Bookkeeping that must see the state after everything else at t (end of run).
  Control = 2,
};

// The payload is opaque to the core: `kind` and `target` are interpreted by
// whoever handles the event; `token` lets a handler drop events it has since
// superseded (lazy cancellation, O(1)).
struct Event {
  Time time;
  Band band = Band::Completion;
  std::uint64_t seq = 0;
  std::uint32_t kind = 0;
  std::int32_t target = 0;
  std::uint64_t token = 0;
};

class EventQueue {
 public:
  // O(log n). The sequence number is assigned here, in insertion order.
  void push(Time time, Band band, std::uint32_t kind, std::int32_t target, std::uint64_t token);
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.top(); }
  Event pop();
  std::size_t size() const { return heap_.size(); }
  std::size_t peak_size() const { return peak_; }  // most events ever queued at once
  std::uint64_t pushed() const { return next_seq_; }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.time != b.time) return a.time > b.time;
      if (a.band != b.band) return a.band > b.band;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_seq_ = 0;
  std::size_t peak_ = 0;
};

// A tournament tree over a fixed number of slots, each holding at most one
// event: arm() replaces the slot's event, cancel() empties it, pop() takes
// the earliest; each O(log slots), with no allocation after resize().
// Sequence numbers are assigned by arm() in call order, exactly as
// EventQueue::push() would, so the live events come out in the same order.
// A replaced or cancelled event is "dropped": dropped_before_last_pop()
// counts those a lazily-cancelling queue would have popped (and skipped) by
// the last pop(), so an event count stays what it was with lazy cancellation.
//
// Every node of the tree holds the key of its subtree's earliest event, the
// slot number in the key's low bits: a replay compares the new key with the
// siblings' keys along the path, loads that do not depend on each other
// (a tree of winner indices would load an index, then its key, per level).
// pop() leaves the popped key in its leaf until the next pop() (the tree
// stays a valid tournament over what the leaves hold, the popped key among
// them): when the slot is armed again before that (a CPU's next segment
// after the one that ended, a line's next arrival), one replay does both.
class SlotQueue {
 public:
  void resize(std::size_t slots);
  void arm(std::size_t slot, Time time, Band band, std::uint32_t kind, std::int32_t target, std::uint64_t token) {
    if (next_seq_ >= seq_limit_) seq_exhausted();
    Event& e = ev_[slot];
    e = Event{time, band, next_seq_++, kind, target, token};
    if (popped_ == slot) {  // the leaf holds the popped key (on every node of its path): replaced, not dropped
      popped_ = kNone;
      replay_path(slot, key_of(e, slot));
    } else {
      if (node_[leaves_ + slot] != kEmpty) drop(slot);
      replay(slot, key_of(e, slot));
    }
    if (++live_ > peak_) peak_ = live_;
  }
  void cancel(std::size_t slot);
  bool empty() const { return live_ == 0; }
  const Event& top() {
    settle();
    return ev_[slot_of(node_[1])];
  }
  Event pop() {
    settle();
    last_pop_ = node_[1];
    popped_ = slot_of(last_pop_);
    --live_;
    return ev_[popped_];
  }
  std::size_t size() const { return live_; }
  std::size_t peak_size() const { return peak_; }
  std::uint64_t pushed() const { return next_seq_; }
  std::uint64_t dropped_before_last_pop();

 private:
  // The order as one unsigned 128-bit number (one branch-free comparison):
  // the time with its sign bit flipped, then the band in the top 2 bits of
  // the low word, then the sequence number, then the slot (slot_bits_ bits;
  // sequence numbers are unique, so the slot never decides the order).
  // All ones when the slot is empty.
  using Key = unsigned __int128;
  Key key_of(const Event& e, std::size_t slot) const {
    const auto t = static_cast<std::uint64_t>(e.time.count()) ^ (std::uint64_t{1} << 63);
    return (static_cast<Key>(t) << 64) | (static_cast<std::uint64_t>(e.band) << 62) | (e.seq << slot_bits_) | slot;
  }
  std::size_t slot_of(Key k) const { return static_cast<std::size_t>(k) & slot_mask_; }
  static constexpr Key kEmpty = ~Key{0};
  static constexpr std::size_t kNone = ~std::size_t{0};

  // Slot `slot` now holds `key`: replay its matches up to the root, each node
  // taking the earlier of its children's keys. The sibling keys along the
  // path do not depend on one another, so their loads overlap. With
  // kEarlyStop the walk stops where a node keeps the key it had (nothing
  // above it changes); without, for a path whose nodes all change (those that
  // held the popped key, the earliest of all, mostly do), it skips that test.
  template <bool kEarlyStop>
  void replay_walk(std::size_t slot, Key key) {
    std::size_t i = leaves_ + slot;
    node_[i] = key;
    while (i > 1) {
      const Key sibling = node_[i ^ 1];
      key = sibling < key ? sibling : key;
      i >>= 1;
      if (kEarlyStop && node_[i] == key) break;
      node_[i] = key;
    }
  }
  void replay(std::size_t slot, Key key) { replay_walk<true>(slot, key); }
  void replay_path(std::size_t slot, Key key) { replay_walk<false>(slot, key); }
  // Empties the leaf of the slot last popped, if it still holds the popped key.
  void settle() {
    if (popped_ == kNone) return;
    const std::size_t slot = popped_;
    popped_ = kNone;
    replay_path(slot, kEmpty);
  }
  void drop(std::size_t slot);
  [[noreturn]] static void seq_exhausted();

  std::size_t leaves_ = 0;
  unsigned slot_bits_ = 0;
  std::size_t slot_mask_ = 0;
  std::uint64_t seq_limit_ = 0;    // sequence numbers must stay below: they fill 62 - slot_bits_ bits
  std::size_t popped_ = kNone;     // the slot last popped while its leaf still holds the popped key
  std::vector<Key> node_;          // node_[1] the root, node_[leaves_ + s] slot s (kEmpty when empty, save popped_)
  std::vector<Event> ev_;          // per slot (meaningful while armed)
  std::vector<Key> dropped_;       // dropped events not yet known to be before the last pop
  std::size_t dropped_limit_ = 64;
  std::uint64_t dropped_passed_ = 0;
  Key last_pop_ = 0;
  std::uint64_t next_seq_ = 0;
  std::size_t live_ = 0;
  std::size_t peak_ = 0;
};

}  // namespace preemptsim
