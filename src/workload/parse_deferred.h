// Parsing of deferred work: tasklets:, irq_works:, workqueues:, work: and the
// calls that defer to them (tasklet_schedule, queue_work, irq_work_queue, ...).
#pragma once

#include <string_view>
#include <vector>

#include "workload/parse_steps.h"
#include "workload/scenario.h"
#include "workload/yaml_reader.h"

namespace preemptsim::workload_detail {

// tasklet_schedule, tasklet_hi_schedule, queue_work, queue_delayed_work,
// schedule_work, schedule_delayed_work, irq_work_queue.
bool is_defer_call(std::string_view key);
extern const Names kDeferCallNames;
// One call from its field (key = the call): names are resolved later (resolve_deferred()).
DeferCall parse_defer_call(const Reader& r, const Field& e);

std::vector<TaskletSpec> parse_tasklets(const Reader& r, const Field& f);
std::vector<IrqWorkSpec> parse_irq_works(const Reader& r, const Field& f);
// "events" (system_wq) first, then the file's workqueues.
std::vector<WorkqueueSpec> parse_workqueues(const Reader& r, const Field* f);
std::vector<WorkSpec> parse_works(const Reader& r, const Field& f, LockKinds& locks, SyncTable& syncs);

// Every call names an existing tasklet / work item / workqueue / irq_work
// (indices filled in); every wake_up/complete of a tasklet or irq_work names
// a wait queue / completion some task uses.
void resolve_deferred(const Reader& r, Scenario& sc);

}  // namespace preemptsim::workload_detail
