#include "tests/integration/gateway_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef EDGEMQ_BINARY
#error "EDGEMQ_BINARY must name the gateway executable"
#endif

namespace edgemq::itest {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string describe_status(int status) {
  std::ostringstream s;
  if (WIFEXITED(status)) {
    s << "exit status " << WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s << "killed by signal " << WTERMSIG(status);
  } else {
    s << "wait status " << status;
  }
  return s.str();
}

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, const char* out, const char* err, const char* in) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test binary
  const int in_fd = ::open(in, O_RDONLY);
  const int out_fd = ::open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int err_fd = std::strcmp(out, err) == 0 ? out_fd : ::open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  ::execv(argv[0], argv);
  ::_exit(127);
}

}  // namespace

BrokerKind broker_kind() {
  static const BrokerKind kind =
      std::string(env_or("EDGEMQ_TEST_BROKER", "edgemq")) == "mosquitto" ? BrokerKind::Mosquitto
                                                                          : BrokerKind::Edgemq;
  return kind;
}

bool under_mosquitto() { return broker_kind() == BrokerKind::Mosquitto; }

int connect_loopback(int port, int read_timeout_s) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{read_timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  ::close(fd);
  return -1;
}

int pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

pid_t spawn_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                    const std::string& stderr_path, const std::string& stdin_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string in = stdin_path.empty() ? "/dev/null" : stdin_path;
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(args.data(), stdout_path.c_str(), stderr_path.c_str(), in.c_str());
  return pid;
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds limit, int& status) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = std::string(env_or("TMPDIR", "/tmp")) + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

GatewayProcess::GatewayProcess(GatewayOptions options) : options_(std::move(options)) {
  root_ = make_temp_dir("edgemq-it");
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/broker.log";
  std::filesystem::create_directories(data_dir_);
}

GatewayProcess::~GatewayProcess() {
  kill9();
  if (!root_.empty() && std::getenv("EDGEMQ_TEST_KEEP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
}

std::string GatewayProcess::uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

std::string GatewayProcess::log() const { return read_file(log_path_); }

int GatewayProcess::run_command(const std::vector<std::string>& args, std::string& output,
                                std::chrono::milliseconds limit) {
  const std::string out = root_ + "/command.log";
  std::filesystem::remove(out);
  std::vector<std::string> cmd = {env_or("EDGEMQ_TEST_BINARY", EDGEMQ_BINARY)};
  cmd.insert(cmd.end(), args.begin(), args.end());
  const pid_t pid = spawn_process(cmd, out, out);
  int status = 0;
  const bool exited = pid > 0 && wait_for_exit(pid, limit, status);
  if (pid > 0 && !exited) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, 10s, status);
  }
  output = read_file(out);
  return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> GatewayProcess::command_line() const {
  if (under_mosquitto()) {
    return {env_or("EDGEMQ_TEST_MOSQUITTO", "/usr/sbin/mosquitto"), "-c", root_ + "/mosquitto.conf"};
  }
  std::vector<std::string> cmd = {env_or("EDGEMQ_TEST_BINARY", EDGEMQ_BINARY),
                                  "--listen-mqtt", "127.0.0.1:" + std::to_string(port_),
                                  "--data-dir", data_dir_,
                                  "--workers", std::to_string(options_.workers),
                                  "--log-level", options_.log_level,
                                  "--listen-admin", "127.0.0.1:" + std::to_string(admin_port_)};
  if (options_.sys_interval != 0) {
    cmd.insert(cmd.end(), {"--sys-interval", std::to_string(options_.sys_interval)});
  }
  if (options_.max_queued_messages != 0) {
    cmd.insert(cmd.end(), {"--max-queued-messages", std::to_string(options_.max_queued_messages)});
  }
  cmd.insert(cmd.end(), options_.extra_args.begin(), options_.extra_args.end());
  return cmd;
}

void GatewayProcess::write_mosquitto_config() const {
  std::ofstream conf(root_ + "/mosquitto.conf");
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence true\n"
       << "persistence_location " << data_dir_ << "/\n"
       << "log_dest stderr\n"
       << "log_type all\n";
  // As root, mosquitto would switch to user "mosquitto", which cannot write here.
  if (::geteuid() == 0) conf << "user root\n";
  if (options_.sys_interval != 0) conf << "sys_interval " << options_.sys_interval << "\n";
  if (options_.max_queued_messages != 0) {
    conf << "max_queued_messages " << options_.max_queued_messages << "\n";
  }
}

::testing::AssertionResult GatewayProcess::start() {
  if (running()) return ::testing::AssertionFailure() << "broker already running";
  if (root_.empty()) return ::testing::AssertionFailure() << "no temporary directory";
  if (port_ == 0) port_ = pick_free_port();
  if (port_ == 0) return ::testing::AssertionFailure() << "no free port";
  for (int i = 0; i < 5 && (admin_port_ == 0 || admin_port_ == port_); ++i) admin_port_ = pick_free_port();
  if (under_mosquitto()) write_mosquitto_config();
  pid_ = spawn_process(command_line(), log_path_, log_path_);
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  return wait_ready(10s);
}

::testing::AssertionResult GatewayProcess::wait_ready(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return ::testing::AssertionFailure() << "broker exited during start-up ("
                                           << describe_status(status) << ")";
    }
    if (port_accepts(port_)) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);
  }
  kill9();
  return ::testing::AssertionFailure() << "port " << port_ << " not accepting after "
                                       << limit.count() << " ms";
}

bool GatewayProcess::reap(std::chrono::milliseconds limit, int& status) {
  if (!wait_for_exit(pid_, limit, status)) return false;
  pid_ = -1;
  return true;
}

::testing::AssertionResult GatewayProcess::stop() {
  if (!running()) return ::testing::AssertionFailure() << "broker not running";
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!reap(10s, status)) {
    kill9();
    return ::testing::AssertionFailure() << "broker did not exit within 10 s of SIGTERM";
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "broker stopped with " << describe_status(status);
}

void GatewayProcess::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  reap(10s, status);
  pid_ = -1;
}

}  // namespace edgemq::itest
