// What the running Linux host's own preemption setup is: the model, HZ and
// RT-relevant settings, read from uname, debugfs, the kernel config and the
// boot command line, each fact with where it came from.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace preemptsim {

struct HostFact {
  std::string value;
  std::string source;  // "/proc/config.gz (CONFIG_HZ=250)"
};

struct HostInfo {
  std::string release, version;          // uname -r, uname -v
  std::optional<HostFact> model;         // none, voluntary, full, lazy, rt
  std::optional<HostFact> hz;
  std::optional<HostFact> cpus;
  std::optional<HostFact> rt_runtime_us, rt_period_us;
  bool preempt_dynamic = false;
  bool preempt_rt = false;
  bool rt_group_sched = false;           // CONFIG_RT_GROUP_SCHED: classic RT throttling (else the fair server, 6.12+)
  bool threadirqs = false;               // from the command line (forced on by PREEMPT_RT)
  std::string preempt_param;             // preempt= from the command line
  std::string isolcpus, nohz_full;       // from the command line
  std::vector<std::string> unreadable;   // what could not be read, and why
};

// Reads the host's files under `root` ("/" normally; tests pass a fake tree).
HostInfo probe_host(const std::string& root = "/");
// The report `preemptsim host` prints.
std::string host_report(const HostInfo& h);
// A `system:` block for a workload file matching the host.
std::string host_system_yaml(const HostInfo& h);

}  // namespace preemptsim
