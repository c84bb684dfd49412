// What the store says, in the gateway's log: RocksDB's own messages, rate
// limited (a failing disk repeats itself every few seconds), and each change
// of the store guard (disk low or back, store failed or resumed) as one line
// that says what is refused and what to do.
#pragma once

#include <string>

#include "storage/rocks_store.h"
#include "storage/store_guard.h"

namespace edgemq::net {

storage::StoreLog make_store_log();
storage::StoreGuard::Observer make_guard_log(std::string data_dir);

}  // namespace edgemq::net
