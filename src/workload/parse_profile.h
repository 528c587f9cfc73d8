// Machine profiles (profiles/*.yaml): a named set of costs with the source of
// every figure, loaded by system: {profile: NAME}.
#pragma once

#include <string>

#include "workload/scenario.h"
#include "workload/yaml_reader.h"

namespace preemptsim::workload_detail {

// The directory of the shipped profiles (profiles/ of the source tree).
std::string profile_dir();
// Loads `name` (a shipped profile's name, or a path ending in .yaml, relative
// to the workload file) into `sys`: its costs become the defaults that the
// workload's own costs: entries override. Errors point into the profile file,
// or at `f` when the profile cannot be found.
void load_profile(const Reader& r, const Field& f, SystemSpec& sys);
// system.costs / a profile's costs: each entry a duration or a distribution, over `base` (parse_yaml.cpp).
Costs parse_costs_over(const Reader& r, const Field& f, Costs base);

}  // namespace preemptsim::workload_detail
