// Gives the C library's free heap memory back to the system. glibc's
// malloc_trim(0) releases the free pages of every arena (not only the top
// of the main heap) with madvise; see heap_trim_policy.h for when. The
// implementation is chosen by the build: gateway/net/platform/.
#pragma once

#include <cstdint>

namespace edgemq::net {

// False where the C library offers no such call (nothing was done).
bool trim_heap();
// Bytes the C library holds free in its heaps, and in use (0 and 0 where it
// cannot say). Walks the free lists: call it seldom.
struct HeapUsage {
  uint64_t free = 0;
  uint64_t used = 0;
};
HeapUsage heap_usage();

}  // namespace edgemq::net
