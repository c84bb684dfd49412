// CRC-32C (Castagnoli), the checksum RocksDB's write-ahead log puts in every
// record header, and the mask it applies to stored checksums. Our own,
// table-driven (eight tables, eight bytes a step), so the WAL scanner needs
// nothing from RocksDB's private headers, which Debian does not ship.
//
// Why masked: a checksum stored next to data it covers would make a CRC over
// the whole record zero-ish and easy to collide with; RocksDB (after LevelDB)
// rotates and offsets it. mask/unmask are exact inverses.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgemq::storage::crc32c {

// The CRC of `data` appended to bytes whose CRC was `crc` (0 for none), so
// value(a + b) == extend(value(a), b).
uint32_t extend(uint32_t crc, std::string_view data);
inline uint32_t value(std::string_view data) { return extend(0, data); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline constexpr uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline constexpr uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace edgemq::storage::crc32c
