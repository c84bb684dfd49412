#include "gateway/app/salvage.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "storage/rocks_store.h"

namespace edgemq::app {
namespace {

// Each line to the log at `level` and to stderr, where a terminal shows it
// whatever the log's destination.
void say(spdlog::level::level_enum level, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    spdlog::log(level, "{}", line);
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace

int run_salvage(const Config& config) {
  if (!std::filesystem::is_directory(config.data_dir)) {
    say(spdlog::level::err, {"salvage: no store in " + config.data_dir + " (data_dir is not a directory)"});
    return 1;
  }
  storage::Status status;
  storage::RecoveryReport report;
  std::unique_ptr<storage::Store> store = storage::open_rocks_store(
      config.data_dir, storage::RocksTuning{}, storage::WalRecovery::Salvage, status, report);
  say(spdlog::level::warn, report.warnings);
  if (!store) {
    say(spdlog::level::err, report.refusal.empty() ? std::vector<std::string>{"salvage: " + status.message}
                                                   : report.refusal);
    return 1;
  }
  // Loud when anything was lost: these were acknowledged to someone.
  say(report.dropped.nothing_lost() ? spdlog::level::info : spdlog::level::err, report.salvage);
  store.reset();  // closes RocksDB: what it recovered is in table files, the damaged log is gone
  say(spdlog::level::info, {"salvage: done; the store in " + config.data_dir + " opens without salvage now"});
  return 0;
}

}  // namespace edgemq::app
