// Parsing of the machine's noise sources under system: (cpuidle, cpu_dma_latency,
// idle, nohz_full, isolcpus, rcu_nocbs, noise) and in profiles.
#pragma once

#include <string_view>
#include <vector>

#include "workload/scenario.h"
#include "workload/yaml_reader.h"

namespace preemptsim::workload_detail {

// Is `key` one of the machine's keys under system:?
bool is_machine_key(std::string_view key);
// Applies the machine fields over sys.machine (a profile's, or none). ncpus
// 0: a profile (no CPU lists allowed).
void parse_machine(const Reader& r, const std::vector<Field>& fields, SystemSpec& sys, int ncpus);
// Housekeeping's TLB-shootdown IPIs as per-CPU interrupt sources.
void add_machine_irqs(Scenario& sc);

}  // namespace preemptsim::workload_detail
