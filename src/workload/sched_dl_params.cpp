// SCHED_DEADLINE parameter checks and admission control (see sched_dl_params.h).
#include "workload/sched_dl_params.h"

#include <fmt/format.h>

namespace preemptsim {

std::uint64_t to_ratio(Time period, Time runtime) {
  if (period <= Time()) return 0;
  return (static_cast<std::uint64_t>(runtime.count()) << BW_SHIFT) / static_cast<std::uint64_t>(period.count());
}

std::string bw_percent(std::uint64_t bw) {
  return fmt::format("{:.3f}%", static_cast<double>(bw) * 100.0 / static_cast<double>(BW_UNIT));
}

std::optional<std::string> checkparam_dl(Time runtime, Time deadline, Time period) {
  if (deadline <= Time()) return "deadline must be more than 0";
  if (runtime < Time::ns(1LL << DL_SCALE))
    return fmt::format("runtime {} is below {} (2^DL_SCALE ns, the kernel's resolution for runtimes)", format_time(runtime),
                       format_time(Time::ns(1LL << DL_SCALE)));
  const Time p = period > Time() ? period : deadline;
  if (deadline < runtime) return fmt::format("runtime {} exceeds deadline {}: runtime <= deadline <= period", format_time(runtime), format_time(deadline));
  if (p < deadline) return fmt::format("deadline {} exceeds period {}: runtime <= deadline <= period", format_time(deadline), format_time(p));
  const Time min = Time::ns(SYSCTL_SCHED_DL_PERIOD_MIN_US * 1000), max = Time::ns(SYSCTL_SCHED_DL_PERIOD_MAX_US * 1000);
  if (p < min || p > max)
    return fmt::format("period {} is outside [{}, {}] (sysctl_sched_dl_period_min_us / _max_us)", format_time(p), format_time(min), format_time(max));
  return std::nullopt;
}

std::optional<DlAdmissionError> dl_admission_check(const Scenario& sc) {
  const SystemSpec& s = sc.system;
  if (s.rt_runtime < Time()) return std::nullopt;  // RUNTIME_INF: dl_b->bw = -1, no admission control
  const std::uint64_t bw = to_ratio(s.rt_period, s.rt_runtime);
  const auto cap = static_cast<std::uint64_t>(s.cpus) << SCHED_CAPACITY_SHIFT;
  const std::uint64_t limit = (bw * cap) >> SCHED_CAPACITY_SHIFT;  // cap_scale(dl_b->bw, cap)
  std::uint64_t servers = 0;
  if (s.rt_bandwidth == SystemSpec::RtBandwidth::FairServer && s.fair_server_runtime > Time())
    servers = static_cast<std::uint64_t>(s.cpus) * to_ratio(s.fair_server_period, s.fair_server_runtime);
  std::uint64_t total = servers;
  for (std::size_t i = 0; i < sc.tasks.size(); ++i) {
    const TaskSpec& t = sc.tasks[i];
    if (t.policy != Policy::Deadline) continue;
    const std::uint64_t new_bw = to_ratio(t.dl_period, t.dl_runtime);
    if (limit < total + new_bw)  // __dl_overflow()
      return DlAdmissionError{
          i, fmt::format("task '{}': sched_setattr would fail with -EBUSY: its bandwidth runtime/period {}/{} = {} on top of "
                         "{} already admitted ({} deadline tasks before it + {} for the fair servers) is {}, above the root "
                         "domain's limit sched_rt_runtime_us/sched_rt_period_us x CPUs = {}/{} x {} = {}",
                         t.name, format_time(t.dl_runtime), format_time(t.dl_period), bw_percent(new_bw), bw_percent(total),
                         bw_percent(total - servers), bw_percent(servers), bw_percent(total + new_bw), format_time(s.rt_runtime),
                         format_time(s.rt_period), s.cpus, bw_percent(limit))};
    total += new_bw;
  }
  return std::nullopt;
}

}  // namespace preemptsim
