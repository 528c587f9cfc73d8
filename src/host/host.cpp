// Probing the host: /proc/sys/kernel/{osrelease,version} (uname), 
// /sys/kernel/debug/sched/preempt (PREEMPT_DYNAMIC's current mode),
// /proc/config.gz or /boot/config-RELEASE, /proc/cmdline, /sys/kernel/realtime,
// sched_rt_{runtime,period}_us and the online CPUs.
#include "host/host.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace preemptsim {
namespace {

std::optional<std::string> read_text(const std::string& path, std::string* why) {
  std::ifstream in(path);
  if (!in) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> read_gz(const std::string& path, std::string* why) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool bad = n < 0;
  gzclose(f);
  if (bad) {
    *why = "not a readable gzip file";
    return std::nullopt;
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::map<std::string, std::string> parse_config(const std::string& text) {
  std::map<std::string, std::string> cfg;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("CONFIG_", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) cfg[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return cfg;
}

// "none voluntary (full) lazy" -> "full"
std::string dynamic_mode(const std::string& text) {
  const auto open = text.find('('), close = text.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  return text.substr(open + 1, close - open - 1);
}

std::string cmdline_value(const std::string& cmdline, const std::string& key) {
  std::istringstream in(cmdline);
  for (std::string w; in >> w;) {
    if (w == "--") break;  // the rest belongs to init
    if (w == key) return "1";
    if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
  }
  return {};
}

}  // namespace

HostInfo probe_host(const std::string& root_in) {
  HostInfo h;
  const std::string root = root_in.empty() || root_in.back() != '/' ? root_in + "/" : root_in;
  std::string why;
  auto note = [&](const std::string& path) { h.unreadable.push_back(fmt::format("{}: {}", path, why)); };

  if (auto r = read_text(root + "proc/sys/kernel/osrelease", &why)) h.release = trim(*r); else note("/proc/sys/kernel/osrelease");
  if (auto v = read_text(root + "proc/sys/kernel/version", &why)) h.version = trim(*v); else note("/proc/sys/kernel/version");

  std::map<std::string, std::string> cfg;
  std::string cfg_source;
  if (auto c = read_gz(root + "proc/config.gz", &why)) {
    cfg = parse_config(*c);
    cfg_source = "/proc/config.gz";
  } else {
    note("/proc/config.gz");
    const std::string boot = "boot/config-" + h.release;
    if (auto b = read_text(root + boot, &why)) {
      cfg = parse_config(*b);
      cfg_source = "/" + boot;
    } else {
      note("/" + boot);
    }
  }
  auto yes = [&](const char* k) { return cfg.count(k) && cfg[k] == "y"; };

  std::string cmdline;
  if (auto c = read_text(root + "proc/cmdline", &why)) cmdline = trim(*c); else note("/proc/cmdline");
  h.preempt_param = cmdline_value(cmdline, "preempt");
  h.threadirqs = !cmdline_value(cmdline, "threadirqs").empty();
  h.isolcpus = cmdline_value(cmdline, "isolcpus");
  h.nohz_full = cmdline_value(cmdline, "nohz_full");

  h.preempt_rt = yes("CONFIG_PREEMPT_RT") || h.version.find("PREEMPT_RT") != std::string::npos;
  if (auto rt = read_text(root + "sys/kernel/realtime", &why); rt && trim(*rt) == "1") h.preempt_rt = true;
  h.preempt_dynamic = yes("CONFIG_PREEMPT_DYNAMIC") || h.version.find("PREEMPT_DYNAMIC") != std::string::npos;
  h.rt_group_sched = yes("CONFIG_RT_GROUP_SCHED");

  // The model, most authoritative source first.
  std::string dbg;
  if (auto d = read_text(root + "sys/kernel/debug/sched/preempt", &why)) dbg = dynamic_mode(*d); else note("/sys/kernel/debug/sched/preempt");
  if (h.preempt_rt) {
    h.model = HostFact{"rt", cfg.count("CONFIG_PREEMPT_RT") ? cfg_source + " (CONFIG_PREEMPT_RT=y)" : "uname -v / /sys/kernel/realtime"};
  } else if (!dbg.empty()) {
    h.model = HostFact{dbg, "/sys/kernel/debug/sched/preempt"};
  } else if (!h.preempt_param.empty() && h.preempt_dynamic &&
             (h.preempt_param == "none" || h.preempt_param == "voluntary" || h.preempt_param == "full" || h.preempt_param == "lazy")) {
    h.model = HostFact{h.preempt_param, "/proc/cmdline (preempt=" + h.preempt_param + ")"};
  } else if (!cfg.empty()) {
    for (const auto& [sym, name] : std::map<std::string, std::string>{{"CONFIG_PREEMPT_NONE", "none"}, {"CONFIG_PREEMPT_VOLUNTARY", "voluntary"},
                                                                      {"CONFIG_PREEMPT", "full"}, {"CONFIG_PREEMPT_LAZY", "lazy"}})
      if (yes(sym.c_str()))
        h.model = HostFact{name, fmt::format("{} ({}=y{})", cfg_source, sym, h.preempt_dynamic ? ", the PREEMPT_DYNAMIC default; no preempt= given" : "")};
  } else if (h.version.find("PREEMPT ") != std::string::npos || h.version.ends_with("PREEMPT")) {
    h.model = HostFact{"full", "uname -v (PREEMPT)"};
  }
  if (cfg.count("CONFIG_HZ")) h.hz = HostFact{cfg["CONFIG_HZ"], cfg_source + " (CONFIG_HZ)"};
  if (auto r = read_text(root + "proc/sys/kernel/sched_rt_runtime_us", &why)) h.rt_runtime_us = HostFact{trim(*r), "/proc/sys/kernel/sched_rt_runtime_us"};
  else note("/proc/sys/kernel/sched_rt_runtime_us");
  if (auto r = read_text(root + "proc/sys/kernel/sched_rt_period_us", &why)) h.rt_period_us = HostFact{trim(*r), "/proc/sys/kernel/sched_rt_period_us"};
  else note("/proc/sys/kernel/sched_rt_period_us");
  if (auto c = read_text(root + "sys/devices/system/cpu/online", &why)) {
    // "0-1" or "0,2-3": count the CPUs
    int n = 0;
    std::istringstream in(trim(*c));
    for (std::string part; std::getline(in, part, ',');) {
      const auto dash = part.find('-');
      n += dash == std::string::npos ? 1 : std::stoi(part.substr(dash + 1)) - std::stoi(part.substr(0, dash)) + 1;
    }
    h.cpus = HostFact{std::to_string(n), "/sys/devices/system/cpu/online (" + trim(*c) + ")"};
  } else {
    note("/sys/devices/system/cpu/online");
  }
  return h;
}

std::string host_report(const HostInfo& h) {
  std::string s;
  auto line = [&](const char* label, const std::optional<HostFact>& f) {
    s += f ? fmt::format("{:<18}{:<12}from {}\n", label, f->value, f->source) : fmt::format("{:<18}{:<12}(not found)\n", label, "unknown");
  };
  s += fmt::format("{:<18}{} {}\n", "kernel", h.release.empty() ? "?" : h.release, h.version);
  line("preemption model", h.model);
  s += fmt::format("{:<18}{}\n", "PREEMPT_DYNAMIC", h.preempt_dynamic ? "yes (preempt= or /sys/kernel/debug/sched/preempt can switch none/voluntary/full/lazy)" : "no");
  s += fmt::format("{:<18}{}\n", "PREEMPT_RT", h.preempt_rt ? "yes" : "no");
  line("HZ", h.hz);
  line("CPUs", h.cpus);
  s += fmt::format("{:<18}{}\n", "threadirqs", h.preempt_rt ? "forced (PREEMPT_RT)" : h.threadirqs ? "yes (command line)" : "no");
  s += fmt::format("{:<18}{}\n", "isolcpus", h.isolcpus.empty() ? "-" : h.isolcpus);
  s += fmt::format("{:<18}{}\n", "nohz_full", h.nohz_full.empty() ? "-" : h.nohz_full);
  s += fmt::format("{:<18}{}\n", "RT bandwidth", h.rt_group_sched ? "RT throttling (CONFIG_RT_GROUP_SCHED)" : "fair deadline server on 6.12+ (no CONFIG_RT_GROUP_SCHED)");
  line("rt_runtime_us", h.rt_runtime_us);
  line("rt_period_us", h.rt_period_us);
  for (const std::string& u : h.unreadable) s += fmt::format("could not read    {}\n", u);
  return s;
}

std::string host_system_yaml(const HostInfo& h) {
  std::string s = "system: {";
  std::vector<std::string> parts;
  if (h.cpus) parts.push_back("cpus: " + h.cpus->value);
  if (h.hz) parts.push_back("hz: " + h.hz->value);
  if (h.model) parts.push_back("models: [" + h.model->value + "]");
  if (h.threadirqs && !h.preempt_rt) parts.push_back("threadirqs: true");
  if (h.rt_group_sched) {  // classic throttling applies; otherwise the default fair server does
    parts.push_back("rt_bandwidth: throttle");
    if (h.rt_runtime_us) parts.push_back(h.rt_runtime_us->value == "-1" ? "rt_runtime: -1" : "rt_runtime: " + h.rt_runtime_us->value + "us");
    if (h.rt_period_us) parts.push_back("rt_period: " + h.rt_period_us->value + "us");
  }
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + "}\n";
}

}  // namespace preemptsim
