// glibc: malloc_trim(0) releases free memory at the top of each heap and
// madvises away whole free pages inside them (glibc 2.8 and later).
#include <malloc.h>

#include "gateway/net/heap_trim.h"

namespace edgemq::net {

bool trim_heap() {
  (void)malloc_trim(0);
  return true;
}

HeapUsage heap_usage() {
  const struct mallinfo2 m = mallinfo2();
  return {m.fordblks, m.uordblks + m.hblkhd};
}

}  // namespace edgemq::net
