// What edgemq-bench prints at the end: a human summary and one JSON line, both
// derived from the merged worker reports and the broker samples.
#pragma once

#include <cstdint>
#include <string>

#include "tests/bench/options.h"
#include "tests/bench/proc_sample.h"
#include "tests/bench/worker_report.h"

namespace edgemq::bench {

struct RunFacts {
  uint32_t processes = 0;
  uint32_t sources = 0;
  uint64_t start_ns = 0;      // publishing (or holding) began
  uint64_t end_ns = 0;        // publishing (or holding) ended
  uint64_t expected = 0;      // deliveries the subscribers should have seen (pubsub)
  bool expected_known = false;
  ProcSample broker_before;     // before the first connection
  ProcSample broker_connected;  // all clients connected, before publishing
  ProcSample broker_after;      // once the workers reported
};

std::string summary_text(const Options& o, const RunFacts& f, const WorkerReport& r);
std::string summary_json(const Options& o, const RunFacts& f, const WorkerReport& r);

}  // namespace edgemq::bench
