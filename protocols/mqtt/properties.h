// MQTT 5 properties [MQTT-2.2.2] as plain values, and the reason codes
// [MQTT-2.4]. A packet carries its properties boxed (Props): null for every
// 3.1.1 packet and for the many 5.0 packets that carry none, so the common
// path allocates nothing and a Packet stays small.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgemq::mqtt {

enum class PropertyId : uint8_t {
  PayloadFormat = 0x01,
  MessageExpiry = 0x02,
  ContentType = 0x03,
  ResponseTopic = 0x08,
  CorrelationData = 0x09,
  SubscriptionId = 0x0B,
  SessionExpiry = 0x11,
  AssignedClientId = 0x12,
  ServerKeepAlive = 0x13,
  AuthMethod = 0x15,
  AuthData = 0x16,
  RequestProblemInfo = 0x17,
  WillDelay = 0x18,
  RequestResponseInfo = 0x19,
  ResponseInfo = 0x1A,
  ServerReference = 0x1C,
  ReasonString = 0x1F,
  ReceiveMaximum = 0x21,
  TopicAliasMaximum = 0x22,
  TopicAlias = 0x23,
  MaximumQos = 0x24,
  RetainAvailable = 0x25,
  UserProperty = 0x26,
  MaximumPacketSize = 0x27,
  WildcardSubAvailable = 0x28,
  SubIdAvailable = 0x29,
  SharedSubAvailable = 0x2A,
};

using UserProperties = std::vector<std::pair<std::string, std::string>>;

// Every property of MQTT 5, each present or not. Which may appear in which
// packet, and how often, is the decoder's business (property_rules.cpp,
// property_reader.cpp); the
// encoder writes whatever is set, in id order, user properties in their own
// order [MQTT-3.1.3-10]. Strings are UTF-8, correlation and auth data binary.
struct Properties {
  std::optional<uint8_t> payload_format;          // 0 bytes, 1 UTF-8 [3.3.2.3.2]
  std::optional<uint32_t> message_expiry;         // seconds
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::vector<uint32_t> subscription_ids;         // 1..268,435,455; several only in PUBLISH
  std::optional<uint32_t> session_expiry;         // seconds; 0xFFFFFFFF never
  std::optional<std::string> assigned_client_id;
  std::optional<uint16_t> server_keep_alive;
  std::optional<std::string> auth_method;
  std::optional<std::string> auth_data;
  std::optional<uint8_t> request_problem_info;    // 0 or 1
  std::optional<uint32_t> will_delay;             // seconds
  std::optional<uint8_t> request_response_info;   // 0 or 1
  std::optional<std::string> response_info;
  std::optional<std::string> server_reference;
  std::optional<std::string> reason_string;
  std::optional<uint16_t> receive_maximum;        // 1..65535
  std::optional<uint16_t> topic_alias_maximum;
  std::optional<uint16_t> topic_alias;            // 1..
  std::optional<uint8_t> maximum_qos;             // 0 or 1
  std::optional<uint8_t> retain_available;        // 0 or 1
  UserProperties user_properties;
  std::optional<uint32_t> maximum_packet_size;    // 1..
  std::optional<uint8_t> wildcard_sub_available;  // 0 or 1
  std::optional<uint8_t> sub_id_available;        // 0 or 1
  std::optional<uint8_t> shared_sub_available;    // 0 or 1

  bool operator==(const Properties&) const = default;
};

// A Properties that is usually absent: reads see an empty set when nothing
// was allocated, writes allocate on first use. Copies are deep.
class Props {
 public:
  Props() = default;
  Props(const Properties& p) : p_(std::make_unique<Properties>(p)) {}  // NOLINT: implicit by design
  Props(Properties&& p) : p_(std::make_unique<Properties>(std::move(p))) {}  // NOLINT
  Props(const Props& o) : p_(o.p_ ? std::make_unique<Properties>(*o.p_) : nullptr) {}
  Props(Props&&) noexcept = default;
  Props& operator=(const Props& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<Properties>(*o.p_) : nullptr;
    return *this;
  }
  Props& operator=(Props&&) noexcept = default;
  ~Props() = default;

  // Nothing allocated; an allocated but empty set also encodes to nothing.
  bool null() const { return !p_; }
  const Properties& get() const { return p_ ? *p_ : none(); }
  const Properties* operator->() const { return &get(); }
  Properties& mut() {
    if (!p_) p_ = std::make_unique<Properties>();
    return *p_;
  }
  void reset() { p_.reset(); }
  bool operator==(const Props& o) const { return get() == o.get(); }

 private:
  static const Properties& none() {
    static const Properties empty;
    return empty;
  }
  std::unique_ptr<Properties> p_;
};

// MQTT 5 reason codes [MQTT-2.4]; the wire byte of CONNACK, PUBACK, PUBREC,
// PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and AUTH.
namespace reason {
inline constexpr uint8_t kSuccess = 0x00;  // also: normal disconnection, granted QoS 0
inline constexpr uint8_t kGrantedQos1 = 0x01;
inline constexpr uint8_t kGrantedQos2 = 0x02;
inline constexpr uint8_t kDisconnectWithWill = 0x04;
inline constexpr uint8_t kNoMatchingSubscribers = 0x10;
inline constexpr uint8_t kNoSubscriptionExisted = 0x11;
inline constexpr uint8_t kContinueAuthentication = 0x18;
inline constexpr uint8_t kReauthenticate = 0x19;
inline constexpr uint8_t kUnspecified = 0x80;
inline constexpr uint8_t kMalformedPacket = 0x81;
inline constexpr uint8_t kProtocolError = 0x82;
inline constexpr uint8_t kImplementationSpecific = 0x83;
inline constexpr uint8_t kUnsupportedProtocolVersion = 0x84;
inline constexpr uint8_t kClientIdNotValid = 0x85;
inline constexpr uint8_t kBadUsernameOrPassword = 0x86;
inline constexpr uint8_t kNotAuthorized = 0x87;
inline constexpr uint8_t kServerUnavailable = 0x88;
inline constexpr uint8_t kServerBusy = 0x89;
inline constexpr uint8_t kBanned = 0x8A;
inline constexpr uint8_t kServerShuttingDown = 0x8B;
inline constexpr uint8_t kBadAuthenticationMethod = 0x8C;
inline constexpr uint8_t kKeepAliveTimeout = 0x8D;
inline constexpr uint8_t kSessionTakenOver = 0x8E;
inline constexpr uint8_t kTopicFilterInvalid = 0x8F;
inline constexpr uint8_t kTopicNameInvalid = 0x90;
inline constexpr uint8_t kPacketIdInUse = 0x91;
inline constexpr uint8_t kPacketIdNotFound = 0x92;
inline constexpr uint8_t kReceiveMaximumExceeded = 0x93;
inline constexpr uint8_t kTopicAliasInvalid = 0x94;
inline constexpr uint8_t kPacketTooLarge = 0x95;
inline constexpr uint8_t kMessageRateTooHigh = 0x96;
inline constexpr uint8_t kQuotaExceeded = 0x97;
inline constexpr uint8_t kAdministrativeAction = 0x98;
inline constexpr uint8_t kPayloadFormatInvalid = 0x99;
inline constexpr uint8_t kRetainNotSupported = 0x9A;
inline constexpr uint8_t kQosNotSupported = 0x9B;
inline constexpr uint8_t kUseAnotherServer = 0x9C;
inline constexpr uint8_t kServerMoved = 0x9D;
inline constexpr uint8_t kSharedSubsNotSupported = 0x9E;
inline constexpr uint8_t kConnectionRateExceeded = 0x9F;
inline constexpr uint8_t kMaximumConnectTime = 0xA0;
inline constexpr uint8_t kSubIdsNotSupported = 0xA1;
inline constexpr uint8_t kWildcardSubsNotSupported = 0xA2;

// The spec's name of a reason code, e.g. "Topic Alias invalid"; for reason
// strings and logs. "Unknown reason code" for an undefined one.
const char* describe(uint8_t code);
}  // namespace reason

}  // namespace edgemq::mqtt
