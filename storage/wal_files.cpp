#include "storage/wal_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace edgemq::storage::wal {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status::Error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::vector<LogFile> list_log_files(const std::string& dir) {
  std::vector<LogFile> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 4 || !name.ends_with(".log") || !entry.is_regular_file(ec)) continue;
    uint64_t number = 0;
    const char* end = name.data() + name.size() - 4;
    auto [p, err] = std::from_chars(name.data(), end, number);
    if (err == std::errc() && p == end) out.push_back({entry.path().string(), number});
  }
  std::sort(out.begin(), out.end(), [](const LogFile& a, const LogFile& b) { return a.number < b.number; });
  return out;
}

Status read_whole(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!in || ec) return io_error("cannot open", path);
  out.resize(static_cast<size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<size_t>(in.gcount()));  // a file that shrank meanwhile
  if (in.bad()) return io_error("cannot read", path);
  return Status::Ok();
}

Status cut_to(const std::string& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path);
  const bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fsync(fd) == 0;
  Status s = ok ? Status::Ok() : io_error("cannot shorten", path);
  ::close(fd);
  return s;
}

}  // namespace edgemq::storage::wal
