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
  CpuActivity a;
  int bh = 0;  // PREEMPT_RT: the task's softirq_disable_cnt
};
static_assert(sizeof(ActivityRecord) <= 64);

class ActivityLog {
 public:
  // records: per CPU, rounded up to a power of two.
  ActivityLog(std::size_t cpus, std::size_t records) : rings_(cpus) {
    std::size_t size = 1;
    while (size < records) size *= 2;
    for (Ring& r : rings_) r.rec.resize(size);
    mask_ = size - 1;
  }
  // The CPU's next record, for the kernel to fill in place (every field of
  // it: the slot holds an old record).
  ActivityRecord& append(int cpu) {
    Ring& r = rings_[static_cast<std::size_t>(cpu)];
    return r.rec[r.n++ & mask_];
  }
  // After append(): true when the watcher is to be called now (a watched
  // CPU's task-context activity). Keeps the task of the CPU's task-context
  // activity before this one, however many interrupt records came between.
  bool fire(int cpu, const CpuActivity& a) {
    Ring& r = rings_[static_cast<std::size_t>(cpu)];
    if (!task_context(a.what)) return false;
    r.task_before = r.last_task;
    r.last_task = a.task;
    if (!r.watched) return false;
    r.watched = false;
    return true;
  }
  // At the watcher's call: the task of the CPU's task-context activity
  // before the one that fired (null when there was none).
  const Task* task_before(int cpu) const { return rings_[static_cast<std::size_t>(cpu)].task_before; }
  static bool task_context(Activity w) { return w == Activity::TaskStep || w == Activity::Idle || w == Activity::Switch; }
  void watch(int cpu) { rings_[static_cast<std::size_t>(cpu)].watched = true; }
  Observer* watcher = nullptr;

  std::uint64_t count(int cpu) const { return rings_[static_cast<std::size_t>(cpu)].n; }  // records ever written
  std::uint64_t capacity() const { return mask_ + 1; }
  // The k-th record of the CPU (k < count(), and k + capacity() >= count()).
  const ActivityRecord& at(int cpu, std::uint64_t k) const { return rings_[static_cast<std::size_t>(cpu)].rec[k & mask_]; }

 private:
  struct Ring {
    std::vector<ActivityRecord> rec;
    std::uint64_t n = 0;
    bool watched = false;
    const Task* last_task = nullptr;    // of the last task-context record
    const Task* task_before = nullptr;  // of the one before it
  };
  std::vector<Ring> rings_;
  std::uint64_t mask_ = 0;
};

}  // namespace preemptsim
