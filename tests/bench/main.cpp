// edgemq-bench: see usage() in options.cpp and docs/benchmarks.md.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/bench/coordinator.h"
#include "tests/bench/options.h"

namespace {

using edgemq::bench::Options;

constexpr uint32_t kClientsPerProcess = 15000;  // under the 20,000 open files a process may have
constexpr uint32_t kClientsPerSource = 10000;   // well under the ~28,000 ephemeral ports per source address

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

bool on_loopback(const std::string& host) { return host.rfind("127.", 0) == 0; }

std::vector<std::string> source_addresses(const Options& o) {
  std::vector<std::string> out;
  for (uint32_t i = 1; i <= o.sources && i < 255; ++i) out.push_back("127.0.0." + std::to_string(i));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto parsed = edgemq::bench::parse_options(std::vector<std::string>(argv + 1, argv + argc), error);
  if (!parsed) {
    if (error.empty()) {
      std::fputs(edgemq::bench::usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "edgemq-bench: %s (see --help)\n", error.c_str());
    return 2;
  }
  Options o = *parsed;
  signal(SIGPIPE, SIG_IGN);
  raise_file_limit();
  if (o.prefix.empty()) o.prefix = "eb" + std::to_string(getpid());
  if (o.processes == 0) o.processes = ceil_div(o.total_clients(), kClientsPerProcess);
  if (o.sources == 0 && on_loopback(o.host)) o.sources = ceil_div(o.total_clients(), kClientsPerSource);
  if (!on_loopback(o.host)) o.sources = 0;
  const auto sources = source_addresses(o);

  std::fprintf(stderr,
               "edgemq-bench %s: %u clients (%u publishers, %u subscribers, %u idle) to %s:%u (%s) over %u process%s",
               edgemq::bench::mode_name(o.mode), o.total_clients(), o.publishers, o.subscribers, o.connections,
               o.host.c_str(), o.port, edgemq::bench::transport_name(o.transport), o.processes,
               o.processes == 1 ? "" : "es");
  if (!sources.empty()) {
    std::fprintf(stderr, " from %zu source address%s (%s..%s)", sources.size(), sources.size() == 1 ? "" : "es",
                 sources.front().c_str(), sources.back().c_str());
  }
  std::fputc('\n', stderr);
  return edgemq::bench::Coordinator(o, sources).run();
}
