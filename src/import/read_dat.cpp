// trace.dat through libtracecmd: tracecmd_open(), tracecmd_iterate_events()
// over every CPU in timestamp order, each record printed by libtraceevent.
#include "import/read_dat.h"

#include <traceevent/event-parse.h>
#include <zlib.h>

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include <fmt/format.h>

#include "core/error.h"

// libtracecmd's reading API (trace-cmd/trace-cmd.h). That header includes
// tracefs.h, whose inline helpers are not valid C++, so the four functions
// used here are declared as the header declares them.
extern "C" {
struct tracecmd_input;
tracecmd_input* tracecmd_open(const char* file, int flags);
void tracecmd_close(tracecmd_input* handle);
tep_handle* tracecmd_get_tep(tracecmd_input* handle);
int tracecmd_iterate_events(tracecmd_input* handle, cpu_set_t* cpus, int cpu_size,
                            int (*callback)(tracecmd_input* handle, tep_record*, int, void*), void* callback_data);
void tracecmd_set_loglevel(enum tep_loglevel level);
}

namespace preemptsim {

namespace {

constexpr char kMagic[] = "\x17\x08\x44tracing";

// A gunzipped copy in a temporary file, removed when this goes out of scope.
class PlainCopy {
 public:
  explicit PlainCopy(const std::string& path) {
    gzFile in = gzopen(path.c_str(), "rb");
    if (!in) throw_workload_error(SourceLoc{path, 0, 0}, fmt::format("cannot open trace: {}", std::strerror(errno)));
    char tmpl[] = "/tmp/preemptsim-trace-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0) {
      gzclose(in);
      throw_workload_error(SourceLoc{path, 0, 0}, fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
    }
    name_ = tmpl;
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(in, buf, sizeof buf)) > 0) {
      if (::write(fd, buf, static_cast<std::size_t>(n)) != n) {
        n = -1;
        break;
      }
    }
    ::close(fd);
    gzclose(in);
    if (n < 0) throw_workload_error(SourceLoc{path, 0, 0}, "cannot decompress the trace (corrupt gzip data or a full disk)");
  }
  ~PlainCopy() { ::unlink(name_.c_str()); }
  PlainCopy(const PlainCopy&) = delete;
  PlainCopy& operator=(const PlainCopy&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

struct IterState {
  tep_handle* tep = nullptr;
  const TraceSink* sink = nullptr;
  trace_seq seq{};
  TraceEvent e;
  std::size_t events = 0;
  std::exception_ptr error;  // a sink's exception, rethrown after the C iteration returns
};

int on_record(tracecmd_input*, tep_record* rec, int cpu, void* data) {
  auto& st = *static_cast<IterState*>(data);
  tep_event* ev = tep_find_event_by_record(st.tep, rec);
  if (!ev) return 0;
  st.e.t = Time::ns(static_cast<std::int64_t>(rec->ts));
  st.e.cpu = cpu;
  st.e.pid = tep_data_pid(st.tep, rec);
  const char* comm = tep_data_comm_from_pid(st.tep, st.e.pid);
  st.e.comm = st.e.pid == 0 ? "<idle>" : (comm ? comm : "<...>");
  st.e.name = ev->name;
  trace_seq_reset(&st.seq);
  tep_print_event(st.tep, &st.seq, rec, "%s", TEP_PRINT_INFO);
  trace_seq_terminate(&st.seq);
  st.e.fields.assign(st.seq.buffer, st.seq.len);
  ++st.events;
  try {
    (*st.sink)(st.e);
  } catch (...) {
    st.error = std::current_exception();
    return -1;  // stops tracecmd_iterate_events()
  }
  return 0;
}

}  // namespace

bool is_trace_dat(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return false;
  char head[sizeof kMagic - 1] = {};
  const int n = gzread(f, head, sizeof head);
  gzclose(f);
  return n == static_cast<int>(sizeof head) && std::memcmp(head, kMagic, sizeof head) == 0;
}

DatTraceInfo read_trace_dat(const std::string& path, const TraceSink& sink) {
  const PlainCopy plain(path);
  tracecmd_set_loglevel(TEP_LOG_NONE);
  // No plugins (TRACECMD_FL_LOAD_NO_PLUGINS): the events print with their own
  // TP_printk format, the key=value text of the kernel's trace file.
  tracecmd_input* in = tracecmd_open(plain.name().c_str(), 1);
  if (!in) throw_workload_error(SourceLoc{path, 0, 0}, "libtracecmd cannot read this trace.dat (truncated or an unsupported version)");
  IterState st;
  st.tep = tracecmd_get_tep(in);
  st.sink = &sink;
  trace_seq_init(&st.seq);
  DatTraceInfo info;
  info.ncpus = tep_get_cpus(st.tep);
  tracecmd_iterate_events(in, nullptr, 0, on_record, &st);
  trace_seq_destroy(&st.seq);
  tracecmd_close(in);
  if (st.error) std::rethrow_exception(st.error);
  info.events = st.events;
  if (info.events == 0) throw_workload_error(SourceLoc{path, 0, 0}, "no trace events in this trace.dat");
  return info;
}

}  // namespace preemptsim
