// A broker's resident memory and CPU time, read from /proc, so edgemq-bench can
// charge both to what it just made the broker do.
#pragma once

#include <cstdint>

namespace edgemq::bench {

struct ProcSample {
  bool ok = false;
  uint64_t rss_kb = 0;
  uint64_t cpu_ns = 0;  // user + system, all threads
};

ProcSample sample_process(int pid);

}  // namespace edgemq::bench
