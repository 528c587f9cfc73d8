/* Guest load for record.sh: a SCHED_OTHER task that spends its time in the
 * kernel, reading /dev/zero in 256 KiB read() calls for SECONDS seconds. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buf[256 * 1024];

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  struct timespec t0, t;
  int fd = open("/dev/zero", O_RDONLY);
  if (fd < 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do {
    if (read(fd, buf, sizeof buf) < 0) return 1;
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) * 1e-9 < seconds);
  return 0;
}
