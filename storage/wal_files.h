// The write-ahead-log files of a RocksDB directory, and the two things
// recovery does to them by hand: read one whole, and cut a torn tail off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/store.h"

namespace edgemq::storage::wal {

struct LogFile {
  std::string path;
  uint64_t number = 0;  // RocksDB's log number, from the name (000123.log)
};

// Every NNNNNN.log in `dir`, oldest (lowest number) first; none for a
// directory that does not exist yet.
std::vector<LogFile> list_log_files(const std::string& dir);

Status read_whole(const std::string& path, std::string& out);

// Shortens the file to `size` bytes and syncs it, so the cut survives a crash.
Status cut_to(const std::string& path, uint64_t size);

}  // namespace edgemq::storage::wal
