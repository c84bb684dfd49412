// A C library without malloc_trim (musl, ...): nothing to ask; its
// allocator returns memory by itself, or not at all.
#include "gateway/net/heap_trim.h"

namespace edgemq::net {

bool trim_heap() { return false; }

HeapUsage heap_usage() { return {}; }

}  // namespace edgemq::net
