// SCHED_DEADLINE's parameter rules as sched_setattr() applies them:
// __checkparam_dl() (kernel/sched/syscalls.c) and the root domain's
// admission control, __dl_overflow() (kernel/sched/deadline.c, sched.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "workload/scenario.h"

namespace preemptsim {

inline constexpr int DL_SCALE = 10;                  // runtimes are truncated by 10 bits: at least 1024 ns
inline constexpr int BW_SHIFT = 20;                  // bandwidths are fixed point, 1 << 20 = 100 %
inline constexpr std::uint64_t BW_UNIT = 1ULL << BW_SHIFT;
inline constexpr int SCHED_CAPACITY_SHIFT = 10;      // a CPU's capacity is 1 << 10
inline constexpr std::int64_t SYSCTL_SCHED_DL_PERIOD_MIN_US = 100;      // sysctl_sched_dl_period_min
inline constexpr std::int64_t SYSCTL_SCHED_DL_PERIOD_MAX_US = 1LL << 22; // sysctl_sched_dl_period_max (~4 s)

// to_ratio() (kernel/sched/core.c): runtime / period in BW_SHIFT fixed point.
std::uint64_t to_ratio(Time period, Time runtime);

// __checkparam_dl(): the reason the parameters would be refused (EINVAL),
// or nothing. `period` 0 means "the deadline" (as sched_attr's sched_period 0).
std::optional<std::string> checkparam_dl(Time runtime, Time deadline, Time period);

// The root domain's admission test, task by task in workload order (the
// order the tasks would call sched_setattr()): dl_b->bw =
// to_ratio(sched_rt_period_us, sched_rt_runtime_us) (-1, no limit, at
// RUNTIME_INF), capacity = CPUs << SCHED_CAPACITY_SHIFT, and the fair
// servers' bandwidth counted in total_bw from boot (dl_server_apply_params(), 6.12+).
struct DlAdmissionError {
  std::size_t task = 0;   // index into Scenario::tasks
  std::string message;    // "sched_setattr would fail with -EBUSY: ..."
};
std::optional<DlAdmissionError> dl_admission_check(const Scenario& sc);

// "25.000%" for a BW_SHIFT fixed-point bandwidth.
std::string bw_percent(std::uint64_t bw);

}  // namespace preemptsim
