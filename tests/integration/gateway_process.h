// The broker under test as a child process: edgemq by default, or Debian's
// mosquitto when EDGEMQ_TEST_BROKER=mosquitto, so the same tests can check that
// their expectations match an established broker. Each instance owns a fresh
// temporary directory (data dir, captured stderr, generated config) that
// restart() reuses, so persistence can be tested across SIGTERM and SIGKILL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace edgemq::itest {

enum class BrokerKind { Edgemq, Mosquitto };

// Chosen once per process from EDGEMQ_TEST_BROKER ("edgemq" or "mosquitto").
BrokerKind broker_kind();
bool under_mosquitto();

struct GatewayOptions {
  unsigned sys_interval = 0;          // 0: the broker's default
  unsigned workers = 2;               // edgemq only; 2 exercises cross-worker delivery
  unsigned max_queued_messages = 0;   // 0: the broker's default
  std::string log_level = "debug";    // edgemq only
  std::vector<std::string> extra_args;  // appended to edgemq's command line
};

class GatewayProcess {
 public:
  explicit GatewayProcess(GatewayOptions options = {});
  ~GatewayProcess();  // SIGKILLs a still-running broker and removes the directory
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Picks a free loopback port on first start, then waits (bounded) until the
  // port accepts TCP connections.
  ::testing::AssertionResult start();
  // SIGTERM; succeeds only if the broker exits with status 0 within 10 s.
  ::testing::AssertionResult stop();
  // SIGKILL and reap; nothing is flushed.
  void kill9();
  // Starts again on the same port and data directory.
  ::testing::AssertionResult restart() { return start(); }
  // Runs the broker binary with `args` (e.g. {"salvage", "--data-dir", ...})
  // to completion while no broker runs; its exit status, or -1 if it did not
  // exit within `limit`. What it wrote (stdout and stderr) goes to `output`.
  int run_command(const std::vector<std::string>& args, std::string& output,
                  std::chrono::milliseconds limit = std::chrono::seconds(20));

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 when not running
  int admin_port() const { return admin_port_; }  // edgemq's admin endpoint
  std::string uri() const;  // tcp://127.0.0.1:PORT for Paho
  const std::string& data_dir() const { return data_dir_; }
  // Everything the broker wrote to stderr/stdout, across restarts.
  std::string log() const;

 private:
  std::vector<std::string> command_line() const;
  void write_mosquitto_config() const;
  ::testing::AssertionResult wait_ready(std::chrono::milliseconds limit);
  bool reap(std::chrono::milliseconds limit, int& status);

  GatewayOptions options_;
  std::string root_;      // temporary directory owned by this instance
  std::string data_dir_;  // root_/data
  std::string log_path_;  // root_/broker.log
  int port_ = 0;
  int admin_port_ = 0;
  pid_t pid_ = -1;
};

// A free loopback TCP port: bind port 0 and read back what the kernel chose.
int pick_free_port();

// A TCP socket connected to 127.0.0.1:`port` whose reads give up after
// `read_timeout_s` seconds, or -1.
int connect_loopback(int port, int read_timeout_s = 5);

// Spawns argv[0] (a path) with its arguments; stdout and stderr are appended to
// the named files (which may be the same), stdin comes from `stdin_path` or
// /dev/null. Returns -1 if the process could not be started.
pid_t spawn_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                    const std::string& stderr_path, const std::string& stdin_path = {});

// Waits up to `limit` for `pid` to exit; true and its wait status if it did.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds limit, int& status);

// Creates a fresh directory under $TMPDIR (or /tmp).
std::string make_temp_dir(const std::string& prefix);

std::string read_file(const std::string& path);

}  // namespace edgemq::itest
