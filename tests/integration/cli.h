// mosquitto_pub / mosquitto_sub as child processes. Their output goes to files
// in a private temporary directory, so a chatty client can never block on a
// full pipe; every wait is bounded and a client still running at the end is
// SIGKILLed. Callers should also pass the clients' own bounds (-W, -C).
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace edgemq::itest {

struct CliResult {
  bool exited = false;  // false: still running at the deadline (then killed)
  int exit_code = -1;   // valid when exited
  std::string out;
  std::string err;
};

class CliProcess {
 public:
  CliProcess() = default;
  ~CliProcess();
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // `program` is "mosquitto_pub" or "mosquitto_sub" (looked up in /usr/bin) or
  // a path; `stdin_text` is fed on standard input (for mosquitto_pub -l).
  bool start(const std::string& program, const std::vector<std::string>& args,
             const std::string& stdin_text = {});
  // Polls stdout until it contains `needle`; false at the deadline or if the
  // process exits first without printing it.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds limit);
  // Waits for exit (SIGKILL at the deadline) and collects the output.
  CliResult wait(std::chrono::milliseconds limit);

  std::string out() const;
  std::string err() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

// Runs a client to completion (bounded) and returns what it printed.
CliResult run_cli(const std::string& program, const std::vector<std::string>& args,
                  std::chrono::milliseconds limit, const std::string& stdin_text = {});

// Lines of `text`, without the newlines.
std::vector<std::string> split_lines(const std::string& text);

// mosquitto_pub/mosquitto_sub's arguments to reach a broker on
// 127.0.0.1:`port` as client `id` speaking `version` (mqttv5, mqttv311).
std::vector<std::string> mosquitto_args(int port, const std::string& id, const std::string& version = "mqttv5");

// Starts mosquitto_sub with `args` after the connection ones (and -d -W 10);
// succeeds once its SUBACK has arrived, which -d reports.
::testing::AssertionResult start_mosquitto_sub(CliProcess& sub, int port, const std::string& id,
                                               const std::vector<std::string>& args,
                                               const std::string& version = "mqttv5");

}  // namespace edgemq::itest
