// The parent process of edgemq-bench: forks the load processes, moves them
// through connect -> go -> drain together, prints progress, samples the broker
// from /proc at each step and merges the reports. Every wait has a deadline, so
// a stuck broker ends the run with an error instead of hanging it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/bench/options.h"
#include "tests/bench/summary.h"
#include "tests/bench/worker_report.h"

namespace edgemq::bench {

class Coordinator {
 public:
  Coordinator(Options options, std::vector<std::string> sources);
  // Runs the whole benchmark; returns the process exit code.
  int run();

 private:
  struct Child {
    pid_t pid = -1;
    int fd = -1;
    std::string input;
    uint64_t connected = 0, failed = 0, sent = 0, acked = 0, received = 0;
    bool ready = false, published = false, reported = false;
    WorkerReport report;
  };

  bool spawn();
  // Reads from the children until `done()` holds or `deadline_ns` passes.
  template <typename Done>
  bool pump_until(Done done, uint64_t deadline_ns);
  void read_child(Child& c);
  void handle_line(Child& c, const std::string& line);
  void print_progress(uint64_t now);
  void broadcast(const std::string& line);
  void reap();
  bool all(bool Child::*flag) const;

  Options options_;
  std::vector<std::string> sources_;
  std::vector<Child> children_;
  RunFacts facts_;
  uint64_t began_ns_ = 0;
  uint64_t last_print_ns_ = 0;
  uint64_t last_sent_ = 0, last_received_ = 0;
  std::string error_;
};

}  // namespace edgemq::bench
