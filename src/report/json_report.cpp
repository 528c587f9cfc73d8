// JSON report: RunResult -> nlohmann::ordered_json with integer-nanosecond times.
#include "report/json_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <ostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace preemptsim {

namespace {

using nlohmann::ordered_json;

ordered_json latency_json(const LatencyHistogram& h) {
  ordered_json j = ordered_json::object();
  j["count"] = h.count();
  if (h.count() == 0) {
    // No samples: every statistic is undefined.
    for (const char* k : {"min", "mean", "max", "p50", "p90", "p99", "p999", "p9999"}) j[k] = nullptr;
    return j;
  }
  j["min"] = h.min().count();
  j["mean"] = h.mean().count();
  j["max"] = h.max().count();
  j["p50"] = h.percentile(0.50).count();
  j["p90"] = h.percentile(0.90).count();
  j["p99"] = h.percentile(0.99).count();
  j["p999"] = h.percentile(0.999).count();
  j["p9999"] = h.percentile(0.9999).count();
  return j;
}

ordered_json task_json(const TaskResult& t) {
  ordered_json j = ordered_json::object();
  j["sched"] = t.sched;
  j["wakeup_latency_ns"] = latency_json(t.wakeup_latency);
  j["irq_latency_ns"] = latency_json(t.irq_latency);
  ordered_json marks = ordered_json::object();
  for (const auto& [name, st] : t.marks) {
    ordered_json a = ordered_json::object();
    a["count"] = st.count;
    a["first_ns"] = st.first.count();
    a["last_ns"] = st.last.count();
    a["interval_ns"] = latency_json(st.interval);
    marks[name] = std::move(a);
  }
  j["marks"] = std::move(marks);
  if (t.exit)
    j["exit_ns"] = t.exit->count();
  else
    j["exit_ns"] = nullptr;
  j["cpu_ns"] = t.cpu_time.count();
  j["nvcsw"] = t.nvcsw;
  j["nivcsw"] = t.nivcsw;
  j["migrations"] = t.migrations;
  j["loops"] = t.loops;
  j["work_ns"] = t.work.count();
  j["throughput_task"] = t.throughput;
  j["lock_wait_ns"] = t.lock_wait.count();
  j["pi_boosts"] = t.pi_boosts;
  j["boosted_ns"] = t.boosted.count();
  j["deadline_misses"] = t.deadline_misses;
  j["overruns"] = t.overruns;
  if (t.sched.rfind("SCHED_DEADLINE", 0) == 0) {  // replenishment timers waited for, runtime overruns
    j["dl_throttled"] = t.dl_throttled;
    j["dl_overruns"] = t.dl_overruns;
  }
  // per-job response time (release -> completion) and where it went
  auto shares = [](const ResponseShares& r) {
    ordered_json o = ordered_json::object();
    o["running_ns"] = r.running.count();
    o["runnable_ns"] = r.runnable.count();
    o["preempted_ns"] = r.preempted.count();
    o["lock_blocked_ns"] = r.lock_blocked.count();
    o["blocked_ns"] = r.blocked.count();
    o["interrupts_ns"] = r.interrupts.count();
    return o;
  };
  if (t.response.count() > 0) {
    ordered_json rt = latency_json(t.response);
    rt["deadline_misses"] = t.response_misses;
    rt["shares_ns"] = shares(t.response_shares);
    rt["worst"] = shares(t.response_worst);
    rt["worst"]["release_ns"] = t.response_worst_release.count();
    j["response_time_ns"] = std::move(rt);
  }
  if (t.irq_wake_worst) {  // device interrupt -> the waiter's switch-in
    const IrqWakeParts& w = *t.irq_wake_worst;
    ordered_json o = ordered_json::object();
    o["count"] = t.irq_wakeups;
    o["irq"] = w.irq;
    o["via"] = w.via;
    o["arrival_ns"] = w.arrival.count();
    o["latency_ns"] = w.total().count();
    o["irq_latency_ns"] = w.irq_latency.count();
    o["handler_ns"] = w.handler.count();
    o["deferred_ns"] = w.deferred.count();
    if (!w.stage.empty()) o["stage"] = w.stage;                  // the thread that ran the deferred stage
    if (w.deferred_wait > Time()) o["deferred_wait_ns"] = w.deferred_wait.count();  // of deferred_ns: until that stage began
    o["task_wakeup_ns"] = w.task_wakeup.count();
    j["irq_wakeup_worst"] = std::move(o);
  }
  return j;
}

ordered_json cpu_json(const CpuResult& c) {
  ordered_json j = ordered_json::object();
  j["cpu"] = c.cpu;
  j["user_ns"] = c.user.count();
  j["kernel_ns"] = c.kernel.count();
  j["hardirq_ns"] = c.hardirq.count();
  j["softirq_ns"] = c.softirq.count();
  j["irqthread_ns"] = c.irqthread.count();
  j["sched_ns"] = c.sched.count();
  j["idle_ns"] = c.idle.count();
  j["irqs"] = c.irqs;
  j["softirqs"] = c.softirqs;
  j["ipis"] = c.ipis;
  j["switches"] = c.switches;
  if (!c.idle_states.empty()) {
    ordered_json states = ordered_json::array();
    for (const CpuResult::IdleState& s : c.idle_states)
      states.push_back(ordered_json{{"name", s.name}, {"exit_latency_ns", s.exit_latency.count()}, {"usage", s.usage}, {"time_ns", s.time.count()}});
    j["idle_states"] = std::move(states);
  }
  if (c.smis) {
    j["smis"] = c.smis;
    j["smi_stolen_ns"] = c.smi_stolen.count();
  }
  return j;
}

// Task names are unique in a valid workload; should one repeat, later
// occurrences get "#2", "#3", ... rather than overwrite the first (made
// unique through a hash set: an ordered_json object looks keys up linearly).
std::vector<std::string> task_keys(const ModelResult& m) {
  std::vector<std::string> keys;
  keys.reserve(m.tasks.size());
  std::unordered_set<std::string> used;
  used.reserve(m.tasks.size());
  std::unordered_map<std::string, int> next_n;  // name -> next "#n" to try
  for (const TaskResult& t : m.tasks) {
    std::string key = t.name;
    if (used.count(key)) {
      int& n = next_n.try_emplace(t.name, 2).first->second;
      do key = fmt::format("{}#{}", t.name, n++);
      while (used.count(key));
    }
    used.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

// with_tasks false: "tasks" is left empty (write_json() writes them one by one).
ordered_json model_json(const ModelResult& m, bool with_tasks = true) {
  ordered_json j = ordered_json::object();
  j["model"] = m.model;
  ordered_json tasks = ordered_json::object();
  if (with_tasks) {
    auto& entries = tasks.get_ref<ordered_json::object_t&>();
    entries.reserve(m.tasks.size());
    std::vector<std::string> keys = task_keys(m);
    for (std::size_t i = 0; i < m.tasks.size(); ++i) entries.emplace_back(std::move(keys[i]), task_json(m.tasks[i]));
  }
  j["tasks"] = std::move(tasks);
  ordered_json cpus = ordered_json::array();
  for (const CpuResult& c : m.cpus) cpus.push_back(cpu_json(c));
  j["cpus"] = std::move(cpus);
  ordered_json bugs = ordered_json::array();
  for (const BugReport& b : m.bugs) {
    ordered_json e = ordered_json::object();
    e["time_ns"] = b.time.count();
    e["text"] = b.text;
    bugs.push_back(std::move(e));
  }
  j["bugs"] = std::move(bugs);
  j["bugs_total"] = std::max<std::uint64_t>(m.bugs_total, m.bugs.size());
  ordered_json locks = ordered_json::object();
  for (const LockResult& l : m.locks) {
    ordered_json e = ordered_json::object();
    e["kind"] = l.kind;
    e["acquisitions"] = l.acquisitions;
    e["contended"] = l.contended;
    e["total_wait_ns"] = l.total_wait.count();
    e["max_wait_ns"] = l.max_wait.count();
    e["max_hold_ns"] = l.max_hold.count();
    locks[l.name] = std::move(e);
  }
  j["locks"] = std::move(locks);
  if (m.stopped_at)
    j["stopped_at_ns"] = m.stopped_at->count();
  else
    j["stopped_at_ns"] = nullptr;
  ordered_json irqs = ordered_json::object();
  for (const auto& [name, n] : m.irq_counts) irqs[name] = n;
  j["irq_counts"] = std::move(irqs);
  ordered_json work = ordered_json::object();
  for (const auto& [name, w] : m.device_work)
    work[name] = ordered_json{{"arrivals", w.arrivals},
                              {"handler_arrived_ns", w.handler_arrived.count()},
                              {"softirq_arrived_ns", w.softirq_arrived.count()},
                              {"handler_done_ns", w.handler_done.count()},
                              {"softirq_done_ns", w.softirq_done.count()}};
  j["device_work"] = std::move(work);
  ordered_json why = ordered_json::array();
  for (const WorstCaseExplanation& e : m.explanations) {
    ordered_json x = ordered_json::object();
    x["task"] = e.task;
    x["latency_ns"] = e.latency.count();
    x["expiry_ns"] = e.expiry.count();
    x["cpu"] = e.cpu;
    ordered_json parts = ordered_json::array();
    for (const auto& [what, d] : e.parts) parts.push_back(ordered_json{{"what", what}, {"ns", d.count()}});
    x["parts"] = std::move(parts);
    x["why"] = e.why;
    why.push_back(std::move(x));
  }
  j["worst_wakeups"] = std::move(why);
  j["events"] = m.events;
  return j;
}

}  // namespace

nlohmann::ordered_json to_json(const RunResult& r) {
  ordered_json j = ordered_json::object();
  j["workload"] = r.workload;
  j["seed"] = r.seed;
  j["duration_ns"] = r.duration.count();
  j["cpus"] = r.cpus;
  j["hz"] = r.hz;
  ordered_json results = ordered_json::array();
  for (const ModelResult& m : r.results) results.push_back(model_json(m));
  j["results"] = std::move(results);
  return j;
}

namespace {
// v as dump(2) prints it, nested `depth` levels deep: every line after the
// first indented by 2 * depth more spaces.
void put(std::ostream& out, const ordered_json& v, int depth) {
  const std::string text = v.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  const std::string pad = "\n" + std::string(static_cast<std::size_t>(2 * depth), ' ');
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.write(text.data() + from, static_cast<std::streamsize>(nl - from));
    out << pad;
  }
  out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
}

void put_key(std::ostream& out, const std::string& key, int depth) {
  out << std::string(static_cast<std::size_t>(2 * depth), ' ');
  put(out, ordered_json(key), depth);
  out << ": ";
}
}  // namespace

// The same text as to_json(r).dump(2) + "\n", written one task at a time so
// that the whole document is never held in memory (a 100,000-task run).
void write_json(std::ostream& out, const RunResult& r) {
  ordered_json head = to_json(RunResult{r.workload, r.seed, r.duration, r.cpus, r.hz, {}});
  out << "{\n";
  for (auto it = head.begin(); it != head.end(); ++it) {
    put_key(out, it.key(), 1);
    if (it.key() != "results" || r.results.empty()) {
      put(out, it.value(), 1);
    } else {
      out << "[\n";
      for (std::size_t mi = 0; mi < r.results.size(); ++mi) {
        const ModelResult& m = r.results[mi];
        ordered_json mj = model_json(m, false);
        out << "    {\n";
        for (auto mt = mj.begin(); mt != mj.end(); ++mt) {
          put_key(out, mt.key(), 3);
          if (mt.key() != "tasks" || m.tasks.empty()) {
            put(out, mt.value(), 3);
          } else {
            out << "{\n";
            const std::vector<std::string> keys = task_keys(m);
            for (std::size_t ti = 0; ti < m.tasks.size(); ++ti) {
              put_key(out, keys[ti], 4);
              put(out, task_json(m.tasks[ti]), 4);
              out << (ti + 1 < m.tasks.size() ? ",\n" : "\n");
            }
            out << "      }";
          }
          out << (std::next(mt) != mj.end() ? ",\n" : "\n");
        }
        out << "    }" << (mi + 1 < r.results.size() ? ",\n" : "\n");
      }
      out << "  ]";
    }
    out << (std::next(it) != head.end() ? ",\n" : "\n");
  }
  out << "}\n";
}

std::string to_json_text(const RunResult& r) {
  std::ostringstream out;
  write_json(out, r);
  return out.str();
}

}  // namespace preemptsim
