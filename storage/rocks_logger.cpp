// RocksDB formats its messages printf-style; each is formatted into a stack
// buffer (longer ones are cut) and passed on with its level mapped to ours.
// Runs on RocksDB's background threads: the sink must be thread-safe.
#include "storage/rocks_logger.h"

#include <cstdarg>
#include <cstdio>

namespace edgemq::storage {
namespace {

StoreLogLevel map_level(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
    case rocksdb::InfoLogLevel::INFO_LEVEL:
    case rocksdb::InfoLogLevel::HEADER_LEVEL:
      // Flush and compaction chatter, and the options dump at open.
      return StoreLogLevel::Debug;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return StoreLogLevel::Warn;
    default:
      return StoreLogLevel::Error;
  }
}

class SinkLogger final : public rocksdb::Logger {
 public:
  explicit SinkLogger(StoreLog log) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), log_(std::move(log)) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (!log_ || level < GetInfoLogLevel()) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    size_t len = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
    while (len > 0 && line[len - 1] == '\n') --len;  // some of RocksDB's messages end in one
    log_(map_level(level), std::string_view(line, len));
  }

 private:
  StoreLog log_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_rocks_logger(StoreLog log) {
  return std::make_shared<SinkLogger>(std::move(log));
}

}  // namespace edgemq::storage
