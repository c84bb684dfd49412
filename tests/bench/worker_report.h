// What one load process tells the parent at the end of a run, as text lines on
// their socketpair: the counters, the latency histogram and what each of its
// publishers sent. Pure, so it is unit-tested like a codec.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/histogram.h"
#include "tests/bench/stream_tracker.h"

namespace edgemq::bench {

struct WorkerReport {
  uint64_t connected = 0;
  uint64_t failed = 0;    // never connected: refused, timed out, CONNACK or SUBACK failure
  uint64_t dropped = 0;   // connected, then closed by the broker
  uint64_t first_connect_ns = 0;
  uint64_t last_ready_ns = 0;
  uint64_t sent = 0;       // PUBLISH packets written
  uint64_t acked = 0;      // QoS 1/2: PUBACK or PUBCOMP received
  uint64_t received = 0;   // PUBLISH packets that arrived at subscribers
  uint64_t last_receive_ns = 0;
  StreamTotals streams;
  Histogram latency;       // nanoseconds, send to arrival
  Histogram ack_latency;   // nanoseconds, QoS 1/2 PUBLISH sent to its PUBACK/PUBCOMP
  std::vector<std::pair<uint32_t, uint64_t>> sent_by_publisher;  // index, count
  std::map<std::string, uint64_t> errors;  // what went wrong, how often (bounded)

  static constexpr size_t kMaxErrorKinds = 16;
  void note_error(const std::string& what);

  // Lines, the last one "end".
  std::string serialize() const;
  // Feeds one line (without its newline); true once "end" has been read.
  // Sets `error` on a line it cannot read.
  bool parse_line(const std::string& line, std::string& error);

  void merge(const WorkerReport& other);
};

}  // namespace edgemq::bench
