#include "gateway/app/memory_limit.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace edgemq::app {
namespace {

// Above this a cgroup v1 limit means "none" (it says 2^63 rounded to pages).
constexpr uint64_t kUnlimited = 1ull << 62;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The limit in `file`, if it exists and sets one.
uint64_t cgroup_file_limit(const std::string& file) {
  const std::string text = slurp(file);
  return text.empty() ? 0 : parse_cgroup_limit(text);
}

}  // namespace

uint64_t parse_cgroup_limit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n >= kUnlimited) return 0;  // "max" too
  return n;
}

std::string cgroup_path(std::string_view text, std::string_view controller) {
  // Lines "ID:CONTROLLERS:PATH"; v2's unified hierarchy has no controllers.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const size_t a = line.find(':');
    const size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    const std::string_view names = line.substr(a + 1, b - a - 1);
    bool match = names == controller;
    for (size_t i = 0; !match && !controller.empty() && i < names.size();) {
      size_t j = names.find(',', i);
      if (j == std::string_view::npos) j = names.size();
      match = names.substr(i, j - i) == controller;
      i = j + 1;
    }
    if (match) return std::string(line.substr(b + 1));
  }
  return {};
}

MemoryLimit memory_limit() {
  MemoryLimit m;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) m = {static_cast<uint64_t>(pages) * static_cast<uint64_t>(page), "RAM"};
  const std::string self = slurp("/proc/self/cgroup");
  // Inside a container the process's cgroup is usually the namespace's
  // root; on a host it is a path below the mount. Both are tried.
  const std::string v2 = cgroup_path(self, "");
  const std::string v1 = cgroup_path(self, "memory");
  for (const std::string& file :
       {"/sys/fs/cgroup" + v2 + "/memory.max", std::string("/sys/fs/cgroup/memory.max"),
        "/sys/fs/cgroup/memory" + v1 + "/memory.limit_in_bytes",
        std::string("/sys/fs/cgroup/memory/memory.limit_in_bytes")}) {
    const uint64_t limit = cgroup_file_limit(file);
    if (limit != 0 && (m.bytes == 0 || limit < m.bytes)) m = {limit, file};
  }
  return m;
}

uint64_t resolve(const MemoryAmount& amount, uint64_t limit) {
  return amount.percent != 0 ? limit / 100 * amount.percent : amount.bytes;
}

}  // namespace edgemq::app
