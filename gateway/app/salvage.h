// `edgemq salvage`: the way out when start-up refuses a damaged write-ahead
// log. It opens the store in salvage mode (storage/recovery_report.h), which
// skips the damaged records and the intact ones RocksDB drops with them,
// reports what they held, by kind, and exits; the gateway is started as
// usual afterwards.
//
// Why a subcommand and not a key: a key can be left in a config file or the
// environment, and then every later damage would be skipped at start-up with
// nobody deciding to. A subcommand runs once, when someone asks, and its
// report is read before a client connects.
#pragma once

#include "gateway/app/config.h"

namespace edgemq::app {

// Logs every line of the report (error level when something was lost) and
// prints it to stderr; 0 when the store is usable now, 1 when it is not.
int run_salvage(const Config& config);

}  // namespace edgemq::app
