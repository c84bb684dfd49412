// A C library without malloc_trim (musl, ...): nothing to ask; its
// allocator returns memory by itself, or not at all.
#include "gateway/net/heap_trim.h"

namespace edgemq::net {

bool trim_heap() { return false; }

uint64_t free_heap_bytes() { return 0; }

}  // namespace edgemq::net
