// Event queues with explicit tie-breaking: a binary heap, and a tournament tree of slots.
#include "core/event_queue.h"

#include "core/error.h"

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

void SlotQueue::resize(std::size_t slots) {
  leaves_ = 1;
  slot_bits_ = 0;
  while (leaves_ < slots) {
    leaves_ *= 2;
    ++slot_bits_;
  }
  slot_mask_ = leaves_ - 1;
  seq_limit_ = std::uint64_t{1} << (62 - slot_bits_);
  popped_ = kNone;
  ev_.assign(leaves_, Event{});
  node_.assign(2 * leaves_, kEmpty);
  live_ = 0;
}

// The slot's event will never be popped: remember its key, to count it as
// popped once the queue has gone past it.
void SlotQueue::drop(std::size_t slot) {
  if (dropped_.size() >= dropped_limit_) {
    std::size_t kept = 0;
    for (const Key& k : dropped_)
      if (k < last_pop_) ++dropped_passed_;
      else dropped_[kept++] = k;
    dropped_.resize(kept);
    if (kept >= dropped_limit_ / 2) dropped_limit_ *= 2;
  }
  dropped_.push_back(node_[leaves_ + slot]);
  --live_;
}

void SlotQueue::seq_exhausted() { throw InvariantError("SlotQueue: event sequence numbers exhausted"); }

void SlotQueue::cancel(std::size_t slot) {
  if (popped_ == slot) return;  // popped: already empty
  if (node_[leaves_ + slot] == kEmpty) return;
  drop(slot);
  replay(slot, kEmpty);
}

std::uint64_t SlotQueue::dropped_before_last_pop() {
  std::uint64_t n = dropped_passed_;
  for (const Key& k : dropped_)
    if (k < last_pop_) ++n;
  return n;
}

}  // namespace preemptsim
