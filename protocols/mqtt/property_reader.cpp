// Each property is read in three steps: its identifier is looked up in the
// table (property_rules.cpp), its value is read by wire type and range
// checked, and only then stored, which is where duplicates show.
#include "protocols/mqtt/property_reader.h"

#include <span>
#include <string>
#include <string_view>

#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {

namespace {

constexpr DecodeError kOk = DecodeError::None;

// A value as read from the wire, before it is stored in its field.
struct RawValue {
  uint32_t number = 0;      // Byte, Two/Four Byte Integer, Variable Byte Integer
  std::string_view text;    // UTF-8 string, binary data, or a pair's name
  std::string_view second;  // a pair's value
};

DecodeError read_string(ByteReader& r, std::string_view& out) {
  if (!r.prefixed(out)) return DecodeError::MalformedProperty;
  return valid_utf8(out) ? kOk : DecodeError::MalformedUtf8;  // [MQTT-1.5.4-1/2]
}

DecodeError read_value(ByteReader& r, PropertyType type, RawValue& v) {
  switch (type) {
    case PropertyType::Byte: {
      uint8_t b = 0;
      if (!r.u8(b)) return DecodeError::MalformedProperty;
      v.number = b;
      return kOk;
    }
    case PropertyType::TwoByteInteger: {
      uint16_t n = 0;
      if (!r.u16(n)) return DecodeError::MalformedProperty;
      v.number = n;
      return kOk;
    }
    case PropertyType::FourByteInteger:
      return r.u32(v.number) ? kOk : DecodeError::MalformedProperty;
    case PropertyType::VariableByteInteger:
      return r.vbi(v.number) == VbiStatus::Done ? kOk : DecodeError::MalformedProperty;
    case PropertyType::Utf8String:
      return read_string(r, v.text);
    case PropertyType::BinaryData:
      return r.prefixed(v.text) ? kOk : DecodeError::MalformedProperty;
    case PropertyType::Utf8StringPair:
      if (DecodeError e = read_string(r, v.text); e != kOk) return e;
      return read_string(r, v.second);
  }
  return DecodeError::MalformedProperty;  // unreachable: every type is listed
}

bool numeric(PropertyType type) {
  return type == PropertyType::Byte || type == PropertyType::TwoByteInteger ||
         type == PropertyType::FourByteInteger || type == PropertyType::VariableByteInteger;
}

DecodeError check_value(PropertyId id, const PropertyRule& rule, const RawValue& v) {
  if (numeric(rule.type) && (v.number < rule.min || v.number > rule.max)) {
    return DecodeError::PropertyValue;
  }
  // A response topic is a topic name: no wildcards, not empty [MQTT-3.3.2-14].
  if (id == PropertyId::ResponseTopic && !valid_topic_name(v.text)) {
    return DecodeError::PropertyValue;
  }
  return kOk;
}

template <class T, class V>
DecodeError set_once(std::optional<T>& field, V value) {
  if (field) return DecodeError::DuplicateProperty;
  field.emplace(value);
  return kOk;
}

DecodeError store(PropertyId id, PropertyContext context, const RawValue& v, Properties& p) {
  const auto byte = static_cast<uint8_t>(v.number);
  const auto two = static_cast<uint16_t>(v.number);
  switch (id) {
    case PropertyId::PayloadFormat: return set_once(p.payload_format, byte);
    case PropertyId::MessageExpiry: return set_once(p.message_expiry, v.number);
    case PropertyId::ContentType: return set_once(p.content_type, v.text);
    case PropertyId::ResponseTopic: return set_once(p.response_topic, v.text);
    case PropertyId::CorrelationData: return set_once(p.correlation_data, v.text);
    case PropertyId::SubscriptionId:
      // A PUBLISH carries one per matching subscription [MQTT-3.3.4-3]; a
      // SUBSCRIBE names at most one [3.8.2.1.2].
      if (context != PropertyContext::Publish && !p.subscription_ids.empty()) {
        return DecodeError::DuplicateProperty;
      }
      p.subscription_ids.push_back(v.number);
      return kOk;
    case PropertyId::SessionExpiry: return set_once(p.session_expiry, v.number);
    case PropertyId::AssignedClientId: return set_once(p.assigned_client_id, v.text);
    case PropertyId::ServerKeepAlive: return set_once(p.server_keep_alive, two);
    case PropertyId::AuthMethod: return set_once(p.auth_method, v.text);
    case PropertyId::AuthData: return set_once(p.auth_data, v.text);
    case PropertyId::RequestProblemInfo: return set_once(p.request_problem_info, byte);
    case PropertyId::WillDelay: return set_once(p.will_delay, v.number);
    case PropertyId::RequestResponseInfo: return set_once(p.request_response_info, byte);
    case PropertyId::ResponseInfo: return set_once(p.response_info, v.text);
    case PropertyId::ServerReference: return set_once(p.server_reference, v.text);
    case PropertyId::ReasonString: return set_once(p.reason_string, v.text);
    case PropertyId::ReceiveMaximum: return set_once(p.receive_maximum, two);
    case PropertyId::TopicAliasMaximum: return set_once(p.topic_alias_maximum, two);
    case PropertyId::TopicAlias: return set_once(p.topic_alias, two);
    case PropertyId::MaximumQos: return set_once(p.maximum_qos, byte);
    case PropertyId::RetainAvailable: return set_once(p.retain_available, byte);
    case PropertyId::UserProperty:
      // Any number, names may repeat, and the order is the application's
      // [MQTT-3.3.2-18].
      p.user_properties.emplace_back(v.text, v.second);
      return kOk;
    case PropertyId::MaximumPacketSize: return set_once(p.maximum_packet_size, v.number);
    case PropertyId::WildcardSubAvailable: return set_once(p.wildcard_sub_available, byte);
    case PropertyId::SubIdAvailable: return set_once(p.sub_id_available, byte);
    case PropertyId::SharedSubAvailable: return set_once(p.shared_sub_available, byte);
  }
  return DecodeError::MalformedProperty;  // unreachable: the table knows only these ids
}

DecodeError read_property(ByteReader& r, PropertyContext context, Properties& p) {
  // Identifiers are Variable Byte Integers, but every one 5.0 defines fits in
  // one byte [MQTT-2.2.2.2]; a byte with the high bit set is no known id.
  uint8_t id_byte = 0;
  if (!r.u8(id_byte)) return DecodeError::MalformedProperty;
  const PropertyRule* rule = property_rule(id_byte);
  if (!rule || !rule->allowed_in(context)) return DecodeError::MalformedProperty;
  const auto id = static_cast<PropertyId>(id_byte);
  RawValue v;
  if (DecodeError e = read_value(r, rule->type, v); e != kOk) return e;
  if (DecodeError e = check_value(id, *rule, v); e != kOk) return e;
  return store(id, context, v, p);
}

}  // namespace

DecodeError read_properties(ByteReader& r, PropertyContext context, Props& out) {
  uint32_t length = 0;
  switch (r.vbi(length)) {
    case VbiStatus::Done: break;
    case VbiStatus::NeedMore: return DecodeError::Truncated;
    case VbiStatus::TooLong: return DecodeError::MalformedProperty;
  }
  std::string_view block;
  if (!r.view(length, block)) return DecodeError::Truncated;
  if (block.empty()) return kOk;
  ByteReader properties(std::span(reinterpret_cast<const uint8_t*>(block.data()), block.size()));
  Properties& p = out.mut();
  while (!properties.empty()) {
    if (DecodeError e = read_property(properties, context, p); e != kOk) return e;
  }
  return kOk;
}

}  // namespace edgemq::mqtt
