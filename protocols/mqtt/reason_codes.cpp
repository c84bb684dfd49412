// The lists are the reason code tables of section 3, one per packet type.
#include "protocols/mqtt/reason_codes.h"

#include <algorithm>
#include <span>

namespace edgemq::mqtt {

namespace {

using namespace reason;  // NOLINT: the tables read better with bare names

// Table 3-1 [3.2.2.2].
constexpr uint8_t kConnack[] = {
    kSuccess, kUnspecified, kMalformedPacket, kProtocolError, kImplementationSpecific,
    kUnsupportedProtocolVersion, kClientIdNotValid, kBadUsernameOrPassword, kNotAuthorized,
    kServerUnavailable, kServerBusy, kBanned, kBadAuthenticationMethod, kTopicNameInvalid,
    kPacketTooLarge, kQuotaExceeded, kPayloadFormatInvalid, kRetainNotSupported,
    kQosNotSupported, kUseAnotherServer, kServerMoved, kConnectionRateExceeded,
};

// PUBACK [3.4.2.1] and PUBREC [3.5.2.1] share their list.
constexpr uint8_t kPubackPubrec[] = {
    kSuccess, kNoMatchingSubscribers, kUnspecified, kImplementationSpecific, kNotAuthorized,
    kTopicNameInvalid, kPacketIdInUse, kQuotaExceeded, kPayloadFormatInvalid,
};

// PUBREL [3.6.2.1] and PUBCOMP [3.7.2.1].
constexpr uint8_t kPubrelPubcomp[] = {kSuccess, kPacketIdNotFound};

// [3.9.3]; 0x00..0x02 are the granted QoS.
constexpr uint8_t kSuback[] = {
    kSuccess, kGrantedQos1, kGrantedQos2, kUnspecified, kImplementationSpecific,
    kNotAuthorized, kTopicFilterInvalid, kPacketIdInUse, kQuotaExceeded,
    kSharedSubsNotSupported, kSubIdsNotSupported, kWildcardSubsNotSupported,
};

// [3.11.3].
constexpr uint8_t kUnsuback[] = {
    kSuccess, kNoSubscriptionExisted, kUnspecified, kImplementationSpecific, kNotAuthorized,
    kTopicFilterInvalid, kPacketIdInUse,
};

// Table 3-10 [3.14.2.1].
constexpr uint8_t kDisconnect[] = {
    kSuccess, kDisconnectWithWill, kUnspecified, kMalformedPacket, kProtocolError,
    kImplementationSpecific, kNotAuthorized, kServerBusy, kServerShuttingDown,
    kKeepAliveTimeout, kSessionTakenOver, kTopicFilterInvalid, kTopicNameInvalid,
    kReceiveMaximumExceeded, kTopicAliasInvalid, kPacketTooLarge, kMessageRateTooHigh,
    kQuotaExceeded, kAdministrativeAction, kPayloadFormatInvalid, kRetainNotSupported,
    kQosNotSupported, kUseAnotherServer, kServerMoved, kSharedSubsNotSupported,
    kConnectionRateExceeded, kMaximumConnectTime, kSubIdsNotSupported,
    kWildcardSubsNotSupported,
};

// Table 3-13 [3.15.2.1].
constexpr uint8_t kAuth[] = {kSuccess, kContinueAuthentication, kReauthenticate};

std::span<const uint8_t> codes_of(PacketType type) {
  switch (type) {
    case PacketType::Connack: return kConnack;
    case PacketType::Puback:
    case PacketType::Pubrec: return kPubackPubrec;
    case PacketType::Pubrel:
    case PacketType::Pubcomp: return kPubrelPubcomp;
    case PacketType::Suback: return kSuback;
    case PacketType::Unsuback: return kUnsuback;
    case PacketType::Disconnect: return kDisconnect;
    case PacketType::Auth: return kAuth;
    default: return {};
  }
}

}  // namespace

bool valid_reason_code(PacketType type, uint8_t code) {
  const std::span<const uint8_t> codes = codes_of(type);
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace edgemq::mqtt
