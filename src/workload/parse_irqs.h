// Parsing of interrupt sources (irqs:), distributions, and softirq vector names.
#pragma once

#include <string>
#include <vector>

#include "workload/scenario.h"
#include "workload/yaml_reader.h"

namespace preemptsim::workload_detail {

std::vector<IrqSpec> parse_irqs(const Reader& r, const Field& f, const SystemSpec& sys);
// Each irq's `wake_up: Q` / `complete: C` names a wait queue / completion some task uses.
void check_irq_wakes(const Reader& r, const Scenario& sc);
// A duration drawn per occurrence: "5us" or {uniform: [lo, hi]} | {normal: {mean, stddev}} |
// {lognormal: {median, sigma}} | {exponential: {mean}} | {histogram: [[value, weight], ...]} |
// {fixed: 5us}, each map optionally with min: D and max: D (a clamp).
Distribution parse_distribution(const Reader& r, const Field& f);
// An interrupt source's arrival: {periodic: {...}} | {poisson: {...}} | {sporadic: ...} | {burst: ...} | {timestamps: FILE}.
Arrival parse_arrival(const Reader& r, const Field& f);
// A real number of at least lo ("more than 0" excludes lo == 0).
double real_number(const Reader& r, const Field& f, double lo, const char* lo_text);
// "NET_RX" (or "NET_RX_SOFTIRQ") -> the vector.
SoftirqVec parse_softirq_name(const Reader& r, const Field& f, const std::string& name, const SourceLoc& at);

}  // namespace preemptsim::workload_detail
