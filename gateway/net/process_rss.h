// The process's resident memory, as the kernel counts it for the OOM killer
// and the cgroup limit: /proc/self/statm's second field. The file stays
// open and is read with one pread (a few microseconds), so it can be
// sampled every tick.
#pragma once

#include <cstdint>

namespace edgemq::net {

class ProcessRss {
 public:
  ProcessRss();
  ~ProcessRss();
  ProcessRss(const ProcessRss&) = delete;
  ProcessRss& operator=(const ProcessRss&) = delete;

  // Bytes; 0 when it cannot be read.
  uint64_t read() const;

 private:
  int fd_ = -1;
  uint64_t page_bytes_;
};

}  // namespace edgemq::net
