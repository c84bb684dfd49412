// The canary: a well-behaved MQTT 3.1.1 client that keeps making QoS 1 round
// trips (PUBLISH to its own topic, PUBACK, the delivery back, its PUBACK)
// through the gateway on its own thread while a hostile case runs, so every
// case can say what the attack cost a client that did nothing wrong. A
// round trip that fails or takes over 5 s ends it, counted as a failure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace edgemq::itest {

struct CanaryReport {
  uint64_t round_trips = 0;  // completed
  uint64_t failures = 0;     // a round trip that did not complete (each ends the canary's connection)
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::string first_error;   // what the first failure was, if any
  // One line for the test log and docs/security.md.
  std::string summary() const;
};

class Canary {
 public:
  // Round trips every `interval`, as client `client_id` on 127.0.0.1:`port`.
  Canary(int port, std::string client_id = "canary",
         std::chrono::milliseconds interval = std::chrono::milliseconds(20));
  ~Canary();  // stop()s
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;

  void start();
  // Stops the thread and reports; may be called once.
  CanaryReport stop();
  // Round trips completed so far (any thread).
  uint64_t round_trips() const { return done_.load(); }

 private:
  void run();
  // One connection's life: connect, subscribe, round trips until stopped or a failure.
  void session();
  void fail(const std::string& what);

  int port_;
  std::string client_id_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> done_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<double> samples_ms_;  // guarded by mu_
  uint64_t failures_ = 0;           // guarded by mu_
  std::string first_error_;         // guarded by mu_
};

// Prints `what` and the canary's summary to the test log and records it as a
// test property (visible in ctest's XML output).
void report_canary(const std::string& what, const CanaryReport& r);
// Stops `c`, reports it as `what`, and expects that no round trip failed:
// what every case asks of a client that did nothing wrong.
CanaryReport finish_canary(Canary& c, const std::string& what);

}  // namespace edgemq::itest
