// The discrete-event queue: events ordered by (time, band, sequence number),
// so that equal times resolve the same way on every run.
#pragma once

#include <cstdint>
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

}  // namespace preemptsim
