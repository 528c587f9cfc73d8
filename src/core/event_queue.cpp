// Event queues with explicit tie-breaking: a binary heap, and a tournament tree of slots.
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

namespace {
constexpr std::int64_t kEmptyTime = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kEmptyBandSeq = std::numeric_limits<std::uint64_t>::max();
}  // namespace

void SlotQueue::resize(std::size_t slots) {
  leaves_ = 1;
  while (leaves_ < slots) leaves_ *= 2;
  ev_.assign(leaves_, Event{});
  key_.assign(leaves_, Key{kEmptyTime, kEmptyBandSeq});
  win_.assign(2 * leaves_, 0);
  for (std::size_t i = 0; i < leaves_; ++i) win_[leaves_ + i] = static_cast<std::uint32_t>(i);
  for (std::size_t i = leaves_ - 1; i >= 1; --i) win_[i] = better(win_[2 * i], win_[2 * i + 1]);
  live_ = 0;
}

void SlotQueue::replay(std::size_t slot) {
  for (std::size_t i = (leaves_ + slot) / 2; i >= 1; i /= 2) win_[i] = better(win_[2 * i], win_[2 * i + 1]);
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
  dropped_.push_back(key_[slot]);
  --live_;
}

void SlotQueue::arm(std::size_t slot, Time time, Band band, std::uint32_t kind, std::int32_t target, std::uint64_t token) {
  if (key_[slot].band_seq != kEmptyBandSeq) drop(slot);
  ev_[slot] = Event{time, band, next_seq_++, kind, target, token};
  key_[slot] = key_of(ev_[slot]);
  replay(slot);
  if (++live_ > peak_) peak_ = live_;
}

void SlotQueue::cancel(std::size_t slot) {
  if (key_[slot].band_seq == kEmptyBandSeq) return;
  drop(slot);
  key_[slot] = Key{kEmptyTime, kEmptyBandSeq};
  replay(slot);
}

Event SlotQueue::pop() {
  const std::size_t slot = win_[1];
  last_pop_ = key_[slot];
  key_[slot] = Key{kEmptyTime, kEmptyBandSeq};
  replay(slot);
  --live_;
  return ev_[slot];
}

std::uint64_t SlotQueue::dropped_before_last_pop() {
  std::uint64_t n = dropped_passed_;
  for (const Key& k : dropped_)
    if (k < last_pop_) ++n;
  return n;
}

}  // namespace preemptsim
