#include "tests/bench/proc_sample.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace edgemq::bench {
namespace {

uint64_t read_rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// utime + stime from /proc/PID/stat: clock ticks (10 ms), but it includes
// threads that have exited.
uint64_t read_stat_cpu_ns(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = all.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(all.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  uint64_t utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * (1'000'000'000 / static_cast<uint64_t>(sysconf(_SC_CLK_TCK)));
}

// Nanoseconds on CPU summed over the live threads (schedstat), far finer than
// clock ticks; 0 if the kernel has no schedstat.
uint64_t read_schedstat_cpu_ns(int pid) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    uint64_t ns = 0;
    if (in >> ns) total += ns;
  }
  return total;
}

}  // namespace

ProcSample sample_process(int pid) {
  ProcSample s;
  if (pid <= 0 || !std::filesystem::exists("/proc/" + std::to_string(pid))) return s;
  s.rss_kb = read_rss_kb(pid);
  s.cpu_ns = read_schedstat_cpu_ns(pid);
  if (s.cpu_ns == 0) s.cpu_ns = read_stat_cpu_ns(pid);
  s.ok = s.rss_kb != 0;
  return s;
}

}  // namespace edgemq::bench
