// A rocksdb::Logger that hands each message to a StoreLog (rocks_store.h)
// instead of writing a LOG file next to the data: see StoreLog for why.
#pragma once

#include <memory>

#include <rocksdb/env.h>

#include "storage/rocks_store.h"

namespace edgemq::storage {

std::shared_ptr<rocksdb::Logger> make_rocks_logger(StoreLog log);

}  // namespace edgemq::storage
