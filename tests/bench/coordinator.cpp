#include "tests/bench/coordinator.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "tests/bench/expected.h"
#include "tests/bench/load_worker.h"

namespace edgemq::bench {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

uint64_t to_ns(double seconds) { return static_cast<uint64_t>(seconds * 1e9); }

}  // namespace

Coordinator::Coordinator(Options options, std::vector<std::string> sources)
    : options_(std::move(options)), sources_(std::move(sources)) {}

bool Coordinator::spawn() {
  const uint32_t n = options_.processes;
  std::fflush(nullptr);
  for (uint32_t k = 0; k < n; ++k) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      error_ = "socketpair failed";
      return false;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      error_ = "fork failed";
      return false;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the run
      for (const Child& c : children_) close(c.fd);
      close(fds[0]);
      WorkerPlan plan;
      plan.process = k;
      plan.publishers = share(options_.publishers, k, n);
      plan.subscribers = share(options_.subscribers, k, n);
      plan.connections = share(options_.connections, k, n);
      plan.sources = sources_;
      int code = 0;
      {
        LoadWorker worker(options_, plan, fds[1]);
        code = worker.run();
      }
      std::fflush(nullptr);
      _exit(code);
    }
    close(fds[1]);
    Child c;
    c.pid = pid;
    c.fd = fds[0];
    children_.push_back(std::move(c));
  }
  return true;
}

bool Coordinator::all(bool Child::*flag) const {
  for (const Child& c : children_) {
    if (!(c.*flag)) return false;
  }
  return true;
}

template <typename Done>
bool Coordinator::pump_until(Done done, uint64_t deadline_ns) {
  std::vector<pollfd> fds(children_.size());
  while (!done()) {
    const uint64_t now = monotonic_ns();
    if (now >= deadline_ns) return false;
    print_progress(now);
    for (size_t i = 0; i < children_.size(); ++i) fds[i] = pollfd{children_[i].fd, POLLIN, 0};
    const int wait_ms = static_cast<int>(std::min<uint64_t>((deadline_ns - now) / 1'000'000 + 1, 200));
    if (poll(fds.data(), fds.size(), wait_ms) < 0) continue;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) read_child(children_[i]);
    }
    if (!error_.empty()) return false;
  }
  return true;
}

void Coordinator::read_child(Child& c) {
  char buf[65536];
  const ssize_t n = read(c.fd, buf, sizeof buf);
  if (n <= 0) {
    if (!c.reported) error_ = "a load process ended before reporting (pid " + std::to_string(c.pid) + ")";
    return;
  }
  c.input.append(buf, static_cast<size_t>(n));
  for (size_t nl; (nl = c.input.find('\n')) != std::string::npos;) {
    const std::string line = c.input.substr(0, nl);
    c.input.erase(0, nl + 1);
    handle_line(c, line);
  }
}

void Coordinator::handle_line(Child& c, const std::string& line) {
  unsigned long long v[5];
  if (std::sscanf(line.c_str(), "progress %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5) {
    c.connected = v[0], c.failed = v[1], c.sent = v[2], c.acked = v[3], c.received = v[4];
  } else if (line == "ready") {
    c.ready = true;
  } else if (line == "published") {
    c.published = true;
  } else if (!c.reported) {
    std::string error;
    c.reported = c.report.parse_line(line, error);
    if (!error.empty()) error_ = error;
  }
}

void Coordinator::print_progress(uint64_t now) {
  if (options_.quiet || now - last_print_ns_ < kSecond) return;
  const double dt = last_print_ns_ == 0 ? 1.0 : static_cast<double>(now - last_print_ns_) / 1e9;
  last_print_ns_ = now;
  uint64_t connected = 0, failed = 0, sent = 0, received = 0;
  for (const Child& c : children_) connected += c.connected, failed += c.failed, sent += c.sent, received += c.received;
  std::fprintf(stderr, "[%6.1fs] connected %llu/%u failed %llu | sent %.0f/s received %.0f/s\n",
               static_cast<double>(now - began_ns_) / 1e9, static_cast<unsigned long long>(connected),
               options_.total_clients(), static_cast<unsigned long long>(failed),
               static_cast<double>(sent - last_sent_) / dt, static_cast<double>(received - last_received_) / dt);
  last_sent_ = sent;
  last_received_ = received;
}

void Coordinator::broadcast(const std::string& line) {
  for (const Child& c : children_) {
    if (write(c.fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) error_ = "lost a load process";
  }
}

void Coordinator::reap() {
  for (Child& c : children_) {
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    int status = 0;
    // A worker that is still up after its report is killed: it has nothing left to say.
    int waited = 0;
    while (waitpid(c.pid, &status, WNOHANG) == 0) {
      if (++waited > 50) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

int Coordinator::run() {
  began_ns_ = monotonic_ns();
  facts_.processes = options_.processes;
  facts_.sources = static_cast<uint32_t>(sources_.size());
  facts_.broker_before = sample_process(options_.broker_pid);
  if (!spawn()) {
    std::fprintf(stderr, "edgemq-bench: %s\n", error_.c_str());
    return 1;
  }
  const bool connected = pump_until([&] { return all(&Child::ready); },
                                    monotonic_ns() + to_ns(options_.connect_timeout_s) + 10 * kSecond);
  // Let the broker settle (allocator, lazily built state) before its memory is read.
  if (connected) pump_until([] { return false; }, monotonic_ns() + kSecond / 2);
  facts_.broker_connected = sample_process(options_.broker_pid);

  bool ok = connected;
  if (ok) {
    const double active_s = options_.mode == Mode::Conn ? options_.hold_s : options_.duration_s;
    facts_.start_ns = monotonic_ns() + kSecond / 10;
    facts_.end_ns = facts_.start_ns + to_ns(active_s);
    broadcast("go " + std::to_string(facts_.start_ns) + " " + std::to_string(facts_.end_ns) + "\n");
    if (options_.mode == Mode::Conn) {
      pump_until([] { return false; }, facts_.end_ns);
    } else {
      ok = pump_until([&] { return all(&Child::published); }, facts_.end_ns + 30 * kSecond);
    }
  }
  broadcast("drain\n");
  const uint64_t drain_limit = std::max<uint64_t>(to_ns(10), 10 * to_ns(options_.drain_s)) + 20 * kSecond;
  ok = pump_until([&] { return all(&Child::reported); }, monotonic_ns() + drain_limit) && ok;
  facts_.broker_after = sample_process(options_.broker_pid);
  reap();

  WorkerReport total;
  for (const Child& c : children_) total.merge(c.report);
  if (options_.publishers > 0 && options_.subscribers > 0) {
    std::vector<std::string> filters;
    for (uint32_t i = 0; i < options_.subscribers; ++i) filters.push_back(expand_template(options_.filter, i));
    std::vector<PublisherSent> sent;
    for (const auto& [index, count] : total.sent_by_publisher) sent.push_back({expand_template(options_.topic, index), count});
    facts_.expected = expected_deliveries(filters, sent);
    facts_.expected_known = true;
  }
  if (!ok) {
    if (error_.empty()) error_ = connected ? "timed out waiting for the load processes" : "clients did not connect in time";
    std::fprintf(stderr, "edgemq-bench: %s\n", error_.c_str());
  }
  std::fputs(summary_text(options_, facts_, total).c_str(), stdout);
  std::puts(summary_json(options_, facts_, total).c_str());
  return ok ? 0 : 1;
}

}  // namespace edgemq::bench
