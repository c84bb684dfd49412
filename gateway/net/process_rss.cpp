#include "gateway/net/process_rss.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

namespace edgemq::net {

ProcessRss::ProcessRss()
    : fd_(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC)),
      page_bytes_(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) {}

ProcessRss::~ProcessRss() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t ProcessRss::read() const {
  if (fd_ < 0) return 0;
  char buf[128];
  const ssize_t n = ::pread(fd_, buf, sizeof buf, 0);
  if (n <= 0) return 0;
  // "size resident shared text lib data dt", in pages.
  const char* p = buf;
  const char* end = buf + n;
  uint64_t size = 0, resident = 0;
  auto r = std::from_chars(p, end, size);
  if (r.ec != std::errc() || r.ptr == end) return 0;
  r = std::from_chars(r.ptr + 1, end, resident);
  if (r.ec != std::errc()) return 0;
  return resident * page_bytes_;
}

}  // namespace edgemq::net
