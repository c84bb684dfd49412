// Values as an operator reads them in a table: durations, sizes, wall-clock
// times. UTC everywhere, so two operators on two continents read the same
// line the same way (and tests do not depend on the machine's zone).
#pragma once

#include <cstdint>
#include <string>

namespace edgemq::ctl {

// "45s", "3m 05s", "2h 14m", "6d 3h": the two largest units.
std::string format_duration(uint64_t seconds);

// "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB".
std::string format_bytes(uint64_t bytes);

// Milliseconds since the epoch as "2024-05-01T12:34:56Z".
std::string format_utc_ms(uint64_t ms);

// A session expiry interval: "never" for 4294967295, else a duration.
std::string format_session_expiry(uint64_t seconds);

}  // namespace edgemq::ctl
