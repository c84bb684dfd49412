// RocksDB options derived from RocksTuning; kept apart from the store so the
// memory budget reads in one place.
#pragma once

#include <memory>

#include <rocksdb/cache.h>
#include <rocksdb/options.h>

#include "storage/rocks_store.h"

namespace edgemq::storage {

rocksdb::DBOptions make_db_options(const RocksTuning& t);
// For families keyed by client id and a growing suffix (queue, inbound).
void add_insert_hints(rocksdb::ColumnFamilyOptions& o);

rocksdb::ColumnFamilyOptions make_family_options(const RocksTuning& t,
                                                 const std::shared_ptr<rocksdb::Cache>& cache);

}  // namespace edgemq::storage
