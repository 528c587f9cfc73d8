// Three designs of an event queue with cancellation, compared by bench_micro.cpp:
// a lazy heap (stale entries popped and skipped), an addressable heap with
// erase/update by slot, and a tournament tree over per-source timer slots.
#pragma once

#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

namespace preemptsim::bench {

// The simulator's order: time, then band, then insertion sequence.
struct Key {
  std::int64_t time = std::numeric_limits<std::int64_t>::max();
  std::uint8_t band = 0;
  std::uint64_t seq = 0;
  bool operator<(const Key& o) const {
    if (time != o.time) return time < o.time;
    if (band != o.band) return band < o.band;
    return seq < o.seq;
  }
};

// Every design queues at most one live event per slot (a CPU's segment end,
// its clock event, a device line's next arrival): arm() replaces the slot's
// event, cancel() drops it, pop() returns the earliest live one.
struct Popped {
  Key key;
  int slot = -1;
};

// A: today's design. arm() pushes a new entry and bumps the slot's token;
// entries whose token is not the slot's current one are stale and skipped.
class LazyHeap {
 public:
  explicit LazyHeap(int slots) : token_(static_cast<std::size_t>(slots), 0), live_(static_cast<std::size_t>(slots), false) {}
  void arm(int slot, std::int64_t t, std::uint8_t band) {
    const auto s = static_cast<std::size_t>(slot);
    heap_.push(Entry{Key{t, band, seq_++}, slot, ++token_[s]});
    live_[s] = true;
  }
  void cancel(int slot) {
    const auto s = static_cast<std::size_t>(slot);
    ++token_[s];
    live_[s] = false;
  }
  bool pop(Popped& out) {
    while (!heap_.empty()) {
      const Entry e = heap_.top();
      heap_.pop();
      const auto s = static_cast<std::size_t>(e.slot);
      if (!live_[s] || e.token != token_[s]) {
        ++stale_;
        continue;
      }
      live_[s] = false;
      out = Popped{e.key, e.slot};
      return true;
    }
    return false;
  }
  std::uint64_t stale() const { return stale_; }

 private:
  struct Entry {
    Key key;
    int slot;
    std::uint64_t token;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return b.key < a.key; }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  std::vector<std::uint64_t> token_;
  std::vector<bool> live_;
  std::uint64_t seq_ = 0;
  std::uint64_t stale_ = 0;
};

// B: an addressable binary heap of slots: pos_[slot] is the slot's index in
// the heap (-1 when not queued); arm() updates in place, cancel() erases.
class IndexedHeap {
 public:
  explicit IndexedHeap(int slots) : key_(static_cast<std::size_t>(slots)), pos_(static_cast<std::size_t>(slots), -1) {}
  void arm(int slot, std::int64_t t, std::uint8_t band) {
    const auto s = static_cast<std::size_t>(slot);
    const Key k{t, band, seq_++};
    if (pos_[s] < 0) {
      key_[s] = k;
      heap_.push_back(slot);
      pos_[s] = static_cast<int>(heap_.size() - 1);
      up(pos_[s]);
      return;
    }
    const bool earlier = k < key_[s];
    key_[s] = k;
    if (earlier) up(pos_[s]);
    else down(pos_[s]);
  }
  void cancel(int slot) {
    const auto s = static_cast<std::size_t>(slot);
    const int i = pos_[s];
    if (i < 0) return;
    pos_[s] = -1;
    const int last = heap_.back();
    heap_.pop_back();
    if (i == static_cast<int>(heap_.size())) return;
    place(i, last);
    up(i);
    down(pos_[static_cast<std::size_t>(last)]);
  }
  bool pop(Popped& out) {
    if (heap_.empty()) return false;
    const int slot = heap_.front();
    out = Popped{key_[static_cast<std::size_t>(slot)], slot};
    cancel(slot);
    return true;
  }

 private:
  bool less(int a, int b) const { return key_[static_cast<std::size_t>(a)] < key_[static_cast<std::size_t>(b)]; }
  void place(int i, int slot) {
    heap_[static_cast<std::size_t>(i)] = slot;
    pos_[static_cast<std::size_t>(slot)] = i;
  }
  void up(int i) {
    const int slot = heap_[static_cast<std::size_t>(i)];
    while (i > 0) {
      const int parent = (i - 1) / 2;
      if (!less(slot, heap_[static_cast<std::size_t>(parent)])) break;
      place(i, heap_[static_cast<std::size_t>(parent)]);
      i = parent;
    }
    place(i, slot);
  }
  void down(int i) {
    const int n = static_cast<int>(heap_.size());
    const int slot = heap_[static_cast<std::size_t>(i)];
    for (;;) {
      int c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less(heap_[static_cast<std::size_t>(c + 1)], heap_[static_cast<std::size_t>(c)])) ++c;
      if (!less(heap_[static_cast<std::size_t>(c)], slot)) break;
      place(i, heap_[static_cast<std::size_t>(c)]);
      i = c;
    }
    place(i, slot);
  }
  std::vector<Key> key_;
  std::vector<int> heap_;
  std::vector<int> pos_;
  std::uint64_t seq_ = 0;
};

// C: a tournament (winner) tree over the slots: a leaf per slot holding its
// key (time max when empty); each inner node the earlier of its children.
// arm()/cancel() replay one leaf-to-root path, O(log slots), no erase.
class SlotTree {
 public:
  explicit SlotTree(int slots) {
    while (leaves_ < slots) leaves_ *= 2;
    key_.assign(static_cast<std::size_t>(leaves_), Key{});
    win_.assign(static_cast<std::size_t>(2 * leaves_), 0);
    for (int i = 0; i < leaves_; ++i) win_[static_cast<std::size_t>(leaves_ + i)] = i;
    for (int i = leaves_ - 1; i >= 1; --i) win_[static_cast<std::size_t>(i)] = better(win_[2 * static_cast<std::size_t>(i)], win_[2 * static_cast<std::size_t>(i) + 1]);
  }
  void arm(int slot, std::int64_t t, std::uint8_t band) { set(slot, Key{t, band, seq_++}); }
  void cancel(int slot) { set(slot, Key{}); }
  bool pop(Popped& out) {
    const int slot = win_[1];
    const Key k = key_[static_cast<std::size_t>(slot)];
    if (k.time == std::numeric_limits<std::int64_t>::max()) return false;
    out = Popped{k, slot};
    set(slot, Key{});
    return true;
  }

 private:
  int better(int a, int b) const { return key_[static_cast<std::size_t>(b)] < key_[static_cast<std::size_t>(a)] ? b : a; }
  void set(int slot, const Key& k) {
    key_[static_cast<std::size_t>(slot)] = k;
    for (std::size_t i = static_cast<std::size_t>(leaves_ + slot) / 2; i >= 1; i /= 2) win_[i] = better(win_[2 * i], win_[2 * i + 1]);
  }
  int leaves_ = 1;
  std::vector<Key> key_;
  std::vector<int> win_;
  std::uint64_t seq_ = 0;
};

}  // namespace preemptsim::bench
