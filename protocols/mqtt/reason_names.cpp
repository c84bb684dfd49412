// The names table 2-6 of MQTT 5.0 gives each reason code [MQTT-2.4]. Where one
// value has several meanings (0x00, 0x01, 0x02), the name covers them all.
#include "protocols/mqtt/properties.h"

namespace edgemq::mqtt::reason {

const char* describe(uint8_t code) {
  switch (code) {
    case kSuccess: return "Success";
    case kGrantedQos1: return "Granted QoS 1";
    case kGrantedQos2: return "Granted QoS 2";
    case kDisconnectWithWill: return "Disconnect with Will Message";
    case kNoMatchingSubscribers: return "No matching subscribers";
    case kNoSubscriptionExisted: return "No subscription existed";
    case kContinueAuthentication: return "Continue authentication";
    case kReauthenticate: return "Re-authenticate";
    case kUnspecified: return "Unspecified error";
    case kMalformedPacket: return "Malformed Packet";
    case kProtocolError: return "Protocol Error";
    case kImplementationSpecific: return "Implementation specific error";
    case kUnsupportedProtocolVersion: return "Unsupported Protocol Version";
    case kClientIdNotValid: return "Client Identifier not valid";
    case kBadUsernameOrPassword: return "Bad User Name or Password";
    case kNotAuthorized: return "Not authorized";
    case kServerUnavailable: return "Server unavailable";
    case kServerBusy: return "Server busy";
    case kBanned: return "Banned";
    case kServerShuttingDown: return "Server shutting down";
    case kBadAuthenticationMethod: return "Bad authentication method";
    case kKeepAliveTimeout: return "Keep Alive timeout";
    case kSessionTakenOver: return "Session taken over";
    case kTopicFilterInvalid: return "Topic Filter invalid";
    case kTopicNameInvalid: return "Topic Name invalid";
    case kPacketIdInUse: return "Packet Identifier in use";
    case kPacketIdNotFound: return "Packet Identifier not found";
    case kReceiveMaximumExceeded: return "Receive Maximum exceeded";
    case kTopicAliasInvalid: return "Topic Alias invalid";
    case kPacketTooLarge: return "Packet too large";
    case kMessageRateTooHigh: return "Message rate too high";
    case kQuotaExceeded: return "Quota exceeded";
    case kAdministrativeAction: return "Administrative action";
    case kPayloadFormatInvalid: return "Payload format invalid";
    case kRetainNotSupported: return "Retain not supported";
    case kQosNotSupported: return "QoS not supported";
    case kUseAnotherServer: return "Use another server";
    case kServerMoved: return "Server moved";
    case kSharedSubsNotSupported: return "Shared Subscriptions not supported";
    case kConnectionRateExceeded: return "Connection rate exceeded";
    case kMaximumConnectTime: return "Maximum connect time";
    case kSubIdsNotSupported: return "Subscription Identifiers not supported";
    case kWildcardSubsNotSupported: return "Wildcard Subscriptions not supported";
    default: return "Unknown reason code";
  }
}

}  // namespace edgemq::mqtt::reason
