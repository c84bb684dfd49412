// One pass over the bytes; each lead byte fixes the length of its sequence and
// the bounds of its second byte.
#include "protocols/mqtt/utf8.h"

#include <cstddef>

namespace edgemq::mqtt {

namespace {

// Length of the well-formed sequence starting with `lead`, and the bounds of
// its second byte (Unicode Table 3-7). The narrow bounds after E0, ED, F0 and
// F4 are what rule out overlong forms, surrogates U+D800..DFFF and code points
// above U+10FFFF [MQTT-1.5.4-1]. Returns 0 for bytes that can never lead.
size_t sequence_length(uint8_t lead, uint8_t& lo, uint8_t& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead == 0xE0) { lo = 0xA0; return 3; }
  if (lead == 0xED) { hi = 0x9F; return 3; }
  if (lead >= 0xE1 && lead <= 0xEF) return 3;
  if (lead == 0xF0) { lo = 0x90; return 4; }
  if (lead == 0xF4) { hi = 0x8F; return 4; }
  if (lead >= 0xF1 && lead <= 0xF3) return 4;
  return 0;
}

}  // namespace

bool well_formed_utf8(std::string_view s, Forbid forbid) {
  // The forbidden code points are folded into the checks every byte gets
  // anyway: a floor for ASCII, DEL, and a higher floor for the second byte
  // after C2, which would otherwise start the C1 controls U+0080..009F.
  const bool controls = forbid == Forbid::Controls;
  const uint8_t lowest_ascii = controls ? 0x20 : forbid == Forbid::Nul ? 0x01 : 0x00;
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    if (lead < 0x80) {
      if (lead < lowest_ascii || (controls && lead == 0x7F)) return false;
      ++i;
      continue;
    }
    uint8_t lo = 0;
    uint8_t hi = 0;
    const size_t len = sequence_length(lead, lo, hi);
    if (controls && lead == 0xC2) lo = 0xA0;
    if (len == 0 || s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if (b < lo || b > hi) return false;
      lo = 0x80;  // only the second byte has narrowed bounds
      hi = 0xBF;
    }
    i += len;
  }
  return true;
}

}  // namespace edgemq::mqtt
