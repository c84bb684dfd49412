#include "protocols/mqtt/field_reader.h"

#include <string_view>

#include "protocols/mqtt/reason_codes.h"
#include "protocols/mqtt/topic.h"
#include "protocols/mqtt/utf8.h"

namespace edgemq::mqtt {

DecodeError read_name(ByteReader& r, std::string& out) {
  std::string_view v;
  if (!r.prefixed(v)) return DecodeError::Truncated;
  if (!valid_name_utf8(v)) {
    // Which rule it broke is told apart on this rare path only, so a valid
    // string is read once.
    return valid_utf8(v) ? DecodeError::ControlCharacter  // 1.5.4
                         : DecodeError::MalformedUtf8;    // [MQTT-1.5.4-1/2]
  }
  out.assign(v);
  return kOk;
}

DecodeError read_binary(ByteReader& r, std::string& out) {
  std::string_view v;
  if (!r.prefixed(v)) return DecodeError::Truncated;
  out.assign(v);
  return kOk;
}

DecodeError read_packet_id(ByteReader& r, uint16_t& id) {
  if (!r.u16(id)) return DecodeError::Truncated;
  return id == 0 ? DecodeError::ZeroPacketId : kOk;
}

DecodeError read_reason_code(ByteReader& r, PacketType type, uint8_t& code) {
  if (!r.u8(code)) return DecodeError::Truncated;
  return valid_reason_code(type, code) ? kOk : DecodeError::InvalidReasonCode;
}

DecodeError check_payload_format(const Properties& props, std::string_view payload) {
  if (props.payload_format != 1) return kOk;
  return well_formed_utf8(payload, Forbid::Nothing) ? kOk : DecodeError::PayloadFormatInvalid;
}

DecodeError expect_end(const ByteReader& r) {
  return r.empty() ? kOk : DecodeError::TrailingBytes;
}

}  // namespace edgemq::mqtt
