// How the admin endpoint shows the gateway's values as JSON, and reads a
// POST /api/v1/publish body. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "gateway/admin/backend.h"
#include "gateway/admin/snapshot.h"

namespace edgemq::admin {

nlohmann::json health_json(const Snapshot& s);
nlohmann::json stats_json(const Snapshot& s);
nlohmann::json retained_json(const RetainedItem& m);
nlohmann::json client_json(const ClientItem& c);
nlohmann::json subscription_json(const SubscriptionItem& s);
nlohmann::json topic_json(const TopicItem& t);

// Sets item["payload"] and item["payload_encoding"]: "text" when the bytes
// are valid UTF-8, else "base64".
void put_payload(nlohmann::json& item, const std::string& payload);
// Standard base64 with padding; nullopt when `in` is not.
std::optional<std::string> decode_base64(std::string_view in);

// A POST /api/v1/publish body; nullopt with `error` saying what is wrong.
std::optional<PublishRequest> parse_publish(std::string_view body, std::string& error);

}  // namespace edgemq::admin
