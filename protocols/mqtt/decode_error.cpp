// What each DecodeError means, in words for logs and as the 5.0 reason code
// a peer is told.
#include "protocols/mqtt/codec.h"

namespace edgemq::mqtt {

const char* describe(DecodeError e) {
  switch (e) {
    case DecodeError::None: return "no error";
    case DecodeError::ReservedPacketType: return "reserved packet type (0, or 15 before 5.0)";
    case DecodeError::ReservedFlags: return "reserved fixed-header flags";
    case DecodeError::RemainingLengthTooLong: return "remaining length longer than 4 bytes";
    case DecodeError::PacketTooLarge: return "packet larger than the maximum packet size";
    case DecodeError::Truncated: return "field runs past the remaining length";
    case DecodeError::TrailingBytes: return "bytes left over after the last field";
    case DecodeError::BadProtocolName: return "unknown protocol name";
    case DecodeError::UnsupportedProtocolLevel: return "unsupported protocol level";
    case DecodeError::ReservedConnectFlag: return "CONNECT reserved flag set";
    case DecodeError::BadWillFlags: return "inconsistent will flags";
    case DecodeError::BadUsernamePasswordFlags: return "password flag without username flag";
    case DecodeError::MalformedUtf8: return "malformed UTF-8 string";
    case DecodeError::ControlCharacter: return "control character in a client id, user name, topic or filter";
    case DecodeError::InvalidTopicName: return "invalid topic name";
    case DecodeError::InvalidTopicFilter: return "invalid topic filter";
    case DecodeError::InvalidQos: return "invalid QoS";
    case DecodeError::ZeroPacketId: return "packet identifier is zero";
    case DecodeError::EmptySubscribe: return "no topic filters";
    case DecodeError::ReservedSubscribeBits: return "reserved bits in requested QoS or subscription options";
    case DecodeError::BadConnackFlags: return "reserved CONNACK flags set";
    case DecodeError::MalformedProperty: return "unknown, misplaced or cut-off property";
    case DecodeError::DuplicateProperty: return "property given more than once";
    case DecodeError::PropertyValue: return "property value out of range";
    case DecodeError::InvalidReasonCode: return "reason code not defined for this packet";
    case DecodeError::InvalidRetainHandling: return "retain handling 3";
    case DecodeError::SharedNoLocal: return "no local on a shared subscription";
    case DecodeError::PayloadFormatInvalid: return "payload is not the UTF-8 its format says";
  }
  return "unknown decode error";
}

// Section 4.13 splits broken packets into Malformed Packet (0x81: cannot be
// parsed as the spec lays bytes out) and Protocol Error (0x82: parsed, but
// breaks a rule); the sections that state a rule mostly say which it is:
//  - 0x81: lengths that run short or long, reserved types, flags and bits,
//    ill-formed UTF-8, a control character in a name (1.5.4: a receiver
//    "MAY treat it as a Malformed Packet"), a property id not allowed in
//    the packet [2.2.2.2], a reason code the packet does not define,
//    PUBLISH QoS 3 [MQTT-3.3.1-4], and a topic filter that is not one:
//    empty [MQTT-4.7.3-1], wildcards out of place [MQTT-4.7.1-1/2], a
//    "$share/" filter without a share name and filter [MQTT-4.8.2-1/2].
//    Such a string cannot be parsed as the Topic Filter the packet needs
//    there; 0x8F ("Topic Filter invalid") is for a filter that "is
//    correctly formed" but refused (3.14.2.1). Mosquitto answers 0x81 too.
//    InvalidQos also stands for a SUBSCRIBE maximum QoS 3, which 3.8.3.1
//    calls a Protocol Error; one error cannot say both, and the malformed
//    reading is the stricter.
//  - 0x82: a property twice or out of range ("It is a Protocol Error to
//    include ... more than once, or to have a value other than ..."), retain
//    handling 3 and no local on a shared subscription [3.8.3.1], packet id 0,
//    and a SUBSCRIBE or UNSUBSCRIBE without filters, which 3.8.3 and 3.10.3
//    call a Protocol Error (not Malformed).
//  - the specific codes where one fits: 0x84 for a protocol level this
//    server does not speak [MQTT-3.1.2-2], 0x90 for topic names (as
//    deployed brokers answer, though the code table describes it for
//    well-formed names a server refuses), 0x95 above the maximum
//    packet size, 0x99 for a payload that is not the UTF-8 it claims
//    [3.3.2.3.2].
uint8_t reason_for(DecodeError e) {
  switch (e) {
    case DecodeError::None: return reason::kSuccess;
    case DecodeError::MalformedProperty:
    case DecodeError::Truncated:
    case DecodeError::TrailingBytes:
    case DecodeError::RemainingLengthTooLong:
    case DecodeError::ReservedFlags:
    case DecodeError::ReservedPacketType:
    case DecodeError::MalformedUtf8:
    case DecodeError::ControlCharacter:
    case DecodeError::InvalidReasonCode:
    case DecodeError::ReservedSubscribeBits:
    case DecodeError::BadConnackFlags:
    case DecodeError::BadWillFlags:
    case DecodeError::ReservedConnectFlag:
    case DecodeError::BadUsernamePasswordFlags:
    case DecodeError::InvalidQos:
    case DecodeError::BadProtocolName:
    case DecodeError::InvalidTopicFilter:
      return reason::kMalformedPacket;
    case DecodeError::DuplicateProperty:
    case DecodeError::PropertyValue:
    case DecodeError::InvalidRetainHandling:
    case DecodeError::SharedNoLocal:
    case DecodeError::ZeroPacketId:
    case DecodeError::EmptySubscribe:
      return reason::kProtocolError;
    case DecodeError::PacketTooLarge: return reason::kPacketTooLarge;
    case DecodeError::UnsupportedProtocolLevel: return reason::kUnsupportedProtocolVersion;
    case DecodeError::InvalidTopicName: return reason::kTopicNameInvalid;
    case DecodeError::PayloadFormatInvalid: return reason::kPayloadFormatInvalid;
  }
  return reason::kMalformedPacket;  // a value outside the enum: treat as unparsable
}

}  // namespace edgemq::mqtt
