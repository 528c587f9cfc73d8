// Binary-heap event queue with explicit tie-breaking.
#include "core/event_queue.h"

namespace preemptsim {

void EventQueue::push(Time time, Band band, std::uint32_t kind, std::int32_t target, std::uint64_t token) {
  heap_.push(Event{time, band, next_seq_++, kind, target, token});
  if (heap_.size() > peak_) peak_ = heap_.size();
}

Event EventQueue::pop() {
  Event e = heap_.top();
  heap_.pop();
  return e;
}

}  // namespace preemptsim
