#include "tests/integration/cli.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/gateway_process.h"

namespace edgemq::itest {

namespace {

using namespace std::chrono_literals;

std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* dir = std::getenv("EDGEMQ_TEST_CLI_DIR");
  return std::string(dir != nullptr ? dir : "/usr/bin") + "/" + program;
}

}  // namespace

CliProcess::~CliProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    wait_for_exit(pid_, 5s, status_);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool CliProcess::start(const std::string& program, const std::vector<std::string>& args,
                       const std::string& stdin_text) {
  dir_ = make_temp_dir("edgemq-cli");
  if (dir_.empty()) return false;
  std::string stdin_path;
  if (!stdin_text.empty()) {
    stdin_path = dir_ + "/stdin";
    std::ofstream(stdin_path, std::ios::binary) << stdin_text;
  }
  // Line-buffered stdout, or the -d lines would sit in stdio's buffer until exit.
  std::vector<std::string> argv = {"/usr/bin/stdbuf", "-oL", "-eL", resolve(program)};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn_process(argv, dir_ + "/out", dir_ + "/err", stdin_path);
  return pid_ > 0;
}

std::string CliProcess::out() const { return read_file(dir_ + "/out"); }
std::string CliProcess::err() const { return read_file(dir_ + "/err"); }

bool CliProcess::wait_for_output(const std::string& needle, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (out().find(needle) != std::string::npos) return true;
    if (exited_ || std::chrono::steady_clock::now() >= deadline) return false;
    exited_ = wait_for_exit(pid_, 0ms, status_);  // record an early exit, then look once more
    if (!exited_) std::this_thread::sleep_for(10ms);
  }
}

CliResult CliProcess::wait(std::chrono::milliseconds limit) {
  CliResult r;
  if (pid_ > 0 && !exited_) {
    exited_ = wait_for_exit(pid_, limit, status_);
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      wait_for_exit(pid_, 5s, status_);
    }
    r.exited = exited_;
    exited_ = true;  // reaped either way
  } else {
    r.exited = exited_;
  }
  if (r.exited && WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
  r.out = out();
  r.err = err();
  return r;
}

CliResult run_cli(const std::string& program, const std::vector<std::string>& args,
                  std::chrono::milliseconds limit, const std::string& stdin_text) {
  CliProcess p;
  if (!p.start(program, args, stdin_text)) return {};
  return p.wait(limit);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> mosquitto_args(int port, const std::string& id, const std::string& version) {
  return {"-h", "127.0.0.1", "-p", std::to_string(port), "-i", id, "-V", version};
}

::testing::AssertionResult start_mosquitto_sub(CliProcess& sub, int port, const std::string& id,
                                               const std::vector<std::string>& args,
                                               const std::string& version) {
  std::vector<std::string> all = mosquitto_args(port, id, version);
  all.insert(all.end(), args.begin(), args.end());
  all.insert(all.end(), {"-d", "-W", "10"});
  if (!sub.start("mosquitto_sub", all)) return ::testing::AssertionFailure() << "mosquitto_sub did not start";
  if (!sub.wait_for_output("Subscribed (mid: 1)", std::chrono::seconds(5))) {
    return ::testing::AssertionFailure() << "no SUBACK; stdout:\n" << sub.out() << "stderr:\n" << sub.err();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace edgemq::itest
