// Hand-made MQTT bytes for the raw-byte integration tests: packets the
// encoder would not write (malformed ones, or another version's), spelled
// out where they are used.
#pragma once

#include <cstdint>
#include <string>

namespace edgemq::itest {

// Fixed header byte, the remaining length [MQTT-2.2.3], then `body`.
inline std::string packet(uint8_t header, const std::string& body) {
  std::string out(1, static_cast<char>(header));
  size_t n = body.size();
  do {
    auto b = static_cast<uint8_t>(n & 0x7F);
    n >>= 7;
    out.push_back(static_cast<char>(n != 0 ? (b | 0x80) : b));
  } while (n != 0);
  return out + body;
}

// A length-prefixed MQTT string [MQTT-1.5.3].
inline std::string str(const std::string& s) {
  return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xFF)} + s;
}

}  // namespace edgemq::itest
