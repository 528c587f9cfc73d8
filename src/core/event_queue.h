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
class SlotQueue {
 public:
  void resize(std::size_t slots);
  void arm(std::size_t slot, Time time, Band band, std::uint32_t kind, std::int32_t target, std::uint64_t token);
  void cancel(std::size_t slot);
  bool empty() const { return live_ == 0; }
  const Event& top() const { return ev_[win_[1]]; }
  Event pop();
  std::size_t size() const { return live_; }
  std::size_t peak_size() const { return peak_; }
  std::uint64_t pushed() const { return next_seq_; }
  std::uint64_t dropped_before_last_pop();

 private:
  struct Key {
    std::int64_t time;
    std::uint64_t band_seq;  // band in the top 2 bits, then the sequence number
    bool operator<(const Key& o) const { return time != o.time ? time < o.time : band_seq < o.band_seq; }
  };
  static Key key_of(const Event& e) { return Key{e.time.count(), (static_cast<std::uint64_t>(e.band) << 62) | e.seq}; }
  std::uint32_t better(std::uint32_t a, std::uint32_t b) const { return key_[b] < key_[a] ? b : a; }
  void replay(std::size_t slot);
  void drop(std::size_t slot);

  std::size_t leaves_ = 0;
  std::vector<Event> ev_;          // per slot (meaningful while armed)
  std::vector<Key> key_;           // per slot; band_seq all ones (after every event) when empty
  std::vector<std::uint32_t> win_; // winner tree: win_[1] is the earliest slot
  std::vector<Key> dropped_;       // dropped events not yet known to be before the last pop
  std::size_t dropped_limit_ = 64;
  std::uint64_t dropped_passed_ = 0;
  Key last_pop_{std::numeric_limits<std::int64_t>::min(), 0};
  std::uint64_t next_seq_ = 0;
  std::size_t live_ = 0;
  std::size_t peak_ = 0;
};

}  // namespace preemptsim
