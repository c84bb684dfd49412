#include "gateway/ctl/publish.h"

#include <nlohmann/json.hpp>

#include "gateway/ctl/encoding.h"

namespace edgemq::ctl {

namespace {

using Json = nlohmann::ordered_json;  // the user properties stay in the order given

bool utf8_or_error(std::string_view value, const char* what, std::string& error) {
  if (valid_utf8(value)) return true;
  error = std::string(what) + " is not UTF-8";
  return false;
}

}  // namespace

std::string publish_body(const PublishSpec& spec, std::string_view payload, std::string& error) {
  if (!utf8_or_error(spec.topic, "the topic", error)) return {};
  Json body = Json::object();
  body["topic"] = spec.topic;
  if (spec.base64) {
    body["payload"] = strip_blanks(payload);
    body["payload_encoding"] = "base64";
  } else if (valid_utf8(payload)) {
    body["payload"] = std::string(payload);
    body["payload_encoding"] = "text";
  } else {
    body["payload"] = base64_encode(payload);
    body["payload_encoding"] = "base64";
  }
  if (!valid_utf8(body["payload"].get_ref<const std::string&>())) {
    error = "--base64 needs base64 text";
    return {};
  }
  body["qos"] = spec.qos;
  body["retain"] = spec.retain;

  Json props = Json::object();
  if (spec.format_indicator) props["payload_format_indicator"] = *spec.format_indicator;
  if (spec.expiry_s) props["message_expiry_interval"] = *spec.expiry_s;
  const auto text = [&](const std::optional<std::string>& v, const char* key, const char* option) {
    if (!v) return true;
    if (!utf8_or_error(*v, option, error)) return false;
    props[key] = *v;
    return true;
  };
  if (!text(spec.content_type, "content_type", "--content-type") ||
      !text(spec.response_topic, "response_topic", "--response-topic") ||
      !text(spec.correlation_data, "correlation_data", "--correlation-data")) {
    return {};
  }
  if (!spec.user_properties.empty()) {
    Json user = Json::object();
    for (const auto& [key, value] : spec.user_properties) {
      if (!utf8_or_error(key, "a --user-property key", error) ||
          !utf8_or_error(value, "a --user-property value", error)) {
        return {};
      }
      user[key] = value;
    }
    props["user_properties"] = user;
  }
  if (!props.empty()) body["properties"] = props;
  return body.dump();
}

bool set_payload(Invocation& invocation, std::string_view payload, std::string& error) {
  std::string body = publish_body(invocation.publish, payload, error);
  if (body.empty()) return false;
  invocation.requests.assign(1, Request{"POST", "/api/v1/publish", std::move(body)});
  return true;
}

}  // namespace edgemq::ctl
