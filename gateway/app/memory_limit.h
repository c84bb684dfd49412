// How much memory the gateway may use, for settings given as a share of it
// (memory_high_watermark = "75%"): the machine's RAM, or the cgroup's limit
// when one is set lower (a container's mem_limit; cgroup v2 memory.max or
// v1 memory.limit_in_bytes of the process's own cgroup). Read at start and
// on SIGHUP, not while running.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/app/config.h"

namespace edgemq::app {

struct MemoryLimit {
  uint64_t bytes = 0;
  std::string source;  // "RAM" or the cgroup file it came from, for the log
};

MemoryLimit memory_limit();

// A cgroup limit file's content: bytes, or 0 for none ("max", or v1's
// page-rounded 2^63).
uint64_t parse_cgroup_limit(std::string_view text);

// The cgroup path of the `controller` hierarchy in /proc/self/cgroup's
// `text` ("" for v2's unified line "0::/path"); empty if not there.
std::string cgroup_path(std::string_view text, std::string_view controller);

// `amount` in bytes against `limit`.
uint64_t resolve(const MemoryAmount& amount, uint64_t limit);

}  // namespace edgemq::app
