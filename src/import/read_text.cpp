// Reads the kernel's ftrace text output line by line: "COMM-PID [CPU] FLAGS
// TIMESTAMP: EVENT: FIELDS" (kernel/trace/trace_output.c), with the optional
// TGID column and without the flags (trace-cmd report), through zlib so that
// .gz files read the same.
#include "import/read_text.h"

#include <zlib.h>

#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace preemptsim {

std::optional<std::string_view> trace_field(std::string_view fields, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = fields.find(key, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || fields[pos - 1] == ' ' || fields[pos - 1] == '(' || fields[pos - 1] == ',';
    const std::size_t eq = pos + key.size();
    if (starts && eq < fields.size() && fields[eq] == '=') {
      const std::size_t end = fields.find_first_of(" ,)", eq + 1);
      return fields.substr(eq + 1, end == std::string_view::npos ? std::string_view::npos : end - eq - 1);
    }
    pos = eq;
  }
  return std::nullopt;
}

std::optional<long long> trace_field_int(std::string_view fields, std::string_view key) {
  const auto v = trace_field(fields, key);
  if (!v || v->empty()) return std::nullopt;
  long long x = 0;
  std::string_view s = *v;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return x;
}

namespace {

// "8.184287" -> ns; false unless digits '.' digits (up to 9 decimals).
bool parse_timestamp(std::string_view s, Time& t) {
  const std::size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size() || s.size() - dot - 1 > 9) return false;
  long long sec = 0, frac = 0;
  auto r1 = std::from_chars(s.data(), s.data() + dot, sec);
  auto r2 = std::from_chars(s.data() + dot + 1, s.data() + s.size(), frac);
  if (r1.ec != std::errc() || r1.ptr != s.data() + dot || r2.ec != std::errc() || r2.ptr != s.data() + s.size()) return false;
  for (std::size_t d = s.size() - dot - 1; d < 9; ++d) frac *= 10;
  if (sec > 9'000'000'000LL) return false;
  t = Time::ns(sec * 1'000'000'000LL + frac);
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool parse_trace_line(std::string_view line, TraceEvent& e) {
  // The CPU column "[001]" after the task column.
  std::size_t lb = 0;
  for (;;) {
    lb = line.find(" [", lb);
    if (lb == std::string_view::npos) return false;
    const std::size_t rb = line.find(']', lb + 2);
    if (rb == std::string_view::npos) return false;
    const std::string_view cpu = line.substr(lb + 2, rb - lb - 2);
    int c = 0;
    auto [p, ec] = std::from_chars(cpu.data(), cpu.data() + cpu.size(), c);
    if (ec == std::errc() && p == cpu.data() + cpu.size() && !cpu.empty()) {
      e.cpu = c;
      break;
    }
    lb += 2;
  }
  std::string_view task = trim(line.substr(0, lb));
  if (!task.empty() && task.back() == ')') {  // the TGID column "(  123)" or "(-------)"
    const std::size_t open = task.rfind('(');
    if (open == std::string_view::npos) return false;
    task = trim(task.substr(0, open));
  }
  const std::size_t dash = task.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  const std::string_view pid = task.substr(dash + 1);
  auto [pp, pec] = std::from_chars(pid.data(), pid.data() + pid.size(), e.pid);
  if (pec != std::errc() || pp != pid.data() + pid.size()) return false;
  e.comm = std::string(task.substr(0, dash));
  // After "]": optional flags, then "TIMESTAMP:", then "EVENT:", then the fields.
  std::string_view rest = trim(line.substr(line.find(']', lb) + 1));
  std::size_t colon = rest.find(": ");
  if (colon == std::string_view::npos) return false;
  std::string_view head = rest.substr(0, colon);
  const std::size_t sp = head.rfind(' ');
  if (sp != std::string_view::npos) head = head.substr(sp + 1);
  if (!parse_timestamp(head, e.t)) return false;
  rest = trim(rest.substr(colon + 1));
  colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = rest.substr(0, colon);
  if (const std::size_t sys = name.find(':'); sys != std::string_view::npos) name = name.substr(sys + 1);
  e.name = std::string(name);
  e.fields = std::string(trim(rest.substr(colon + 1)));
  return !e.name.empty();
}

TextTraceInfo read_text_trace(const std::string& path, const TraceSink& sink) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw_workload_error(SourceLoc{path, 0, 0}, fmt::format("cannot open trace: {}", std::strerror(errno)));
  TextTraceInfo info;
  std::string line;
  char buf[8192];
  TraceEvent e;
  bool more = true;
  while (more) {
    line.clear();
    for (;;) {
      if (!gzgets(f, buf, sizeof buf)) {
        more = false;
        break;
      }
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (!more && line.empty()) break;
    ++info.lines;
    const std::string_view l = trim(line);
    if (l.empty()) continue;
    if (l.front() == '#') {
      if (const std::size_t p = l.find("#P:"); p != std::string_view::npos) info.ncpus = std::atoi(std::string(l.substr(p + 3)).c_str());
      if (l.rfind("# tracer: ", 0) == 0) info.tracer = std::string(trim(l.substr(10)));
      continue;
    }
    if (l.rfind("cpus=", 0) == 0) {
      info.ncpus = std::atoi(std::string(l.substr(5)).c_str());
      continue;
    }
    if (l.rfind("version =", 0) == 0 || l.rfind("CPU ", 0) == 0 || l.rfind("trace-cmd:", 0) == 0) continue;
    if (!parse_trace_line(line, e)) {
      gzclose(f);
      throw_workload_error(SourceLoc{path, static_cast<int>(info.lines), 1},
                           "not a trace line (expected 'COMM-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS' as in tracefs 'trace')");
    }
    ++info.events;
    sink(e);
  }
  gzclose(f);
  if (info.events == 0) throw_workload_error(SourceLoc{path, 0, 0}, "no trace events in this file");
  return info;
}

}  // namespace preemptsim
