// A per-CPU ring of what each CPU began, written by the kernel itself in
// compact records (as ftrace writes its per-CPU ring buffer), for an analysis
// that reads it back later; and a one-shot trigger: the watcher's
// on_cpu_activity() at the next task-context activity of a watched CPU.
#pragma once

#include <cstdint>
#include <vector>

#include "core/time.h"
#include "kernel/observer.h"

namespace preemptsim {

struct ActivityRecord {  // 64 bytes
  Time t;
  const Task* task = nullptr;
  const Task* prev = nullptr;
  const Op* op = nullptr;
  int irq = -1;
  std::uint32_t preempt_count = 0;
  int bh = 0;  // PREEMPT_RT: the task's softirq_disable_cnt
  Activity what = Activity::Idle;
  Vector vec = NR_VECTORS;
  SoftirqVec softirq = NR_SOFTIRQS;
  bool irqs_disabled = false;
};

class ActivityLog {
 public:
  // records: per CPU, rounded up to a power of two.
  ActivityLog(std::size_t cpus, std::size_t records) : rings_(cpus), watched_(cpus, false) {
    std::size_t size = 1;
    while (size < records) size *= 2;
    for (Ring& r : rings_) r.rec.resize(size);
    mask_ = size - 1;
  }
  // Called by the kernel for every activity; true when the watcher is to be called now.
  bool record(int cpu, Time t, const CpuActivity& a, int bh) {
    Ring& r = rings_[static_cast<std::size_t>(cpu)];
    ActivityRecord& x = r.rec[r.n++ & mask_];
    x.t = t;
    x.task = a.task;
    x.prev = a.prev;
    x.op = a.op;
    x.irq = a.irq;
    x.preempt_count = a.preempt_count;
    x.bh = bh;
    x.what = a.what;
    x.vec = a.vec;
    x.softirq = a.softirq;
    x.irqs_disabled = a.irqs_disabled;
    if (!watched_[static_cast<std::size_t>(cpu)] || !task_context(a.what)) return false;
    watched_[static_cast<std::size_t>(cpu)] = false;
    return true;
  }
  static bool task_context(Activity w) { return w == Activity::TaskStep || w == Activity::Idle || w == Activity::Switch; }
  void watch(int cpu) { watched_[static_cast<std::size_t>(cpu)] = true; }
  Observer* watcher = nullptr;

  std::uint64_t count(int cpu) const { return rings_[static_cast<std::size_t>(cpu)].n; }  // records ever written
  std::uint64_t capacity() const { return mask_ + 1; }
  // The k-th record of the CPU (k < count(), and k + capacity() >= count()).
  const ActivityRecord& at(int cpu, std::uint64_t k) const { return rings_[static_cast<std::size_t>(cpu)].rec[k & mask_]; }

 private:
  struct Ring {
    std::vector<ActivityRecord> rec;
    std::uint64_t n = 0;
  };
  std::vector<Ring> rings_;
  std::vector<bool> watched_;
  std::uint64_t mask_ = 0;
};

}  // namespace preemptsim
