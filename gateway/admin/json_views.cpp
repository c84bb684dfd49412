#include "gateway/admin/json_views.h"

#include <openssl/evp.h>

#include <limits>

#include "protocols/mqtt/topic.h"

namespace edgemq::admin {

using nlohmann::json;

namespace {

json pairs_object(const std::vector<std::pair<std::string, uint64_t>>& pairs) {
  json o = json::object();
  for (const auto& [k, v] : pairs) o[k] = v;
  return o;
}

}  // namespace

json store_health(const Snapshot& s) {
  return {{"ok", s.store_ok},
          {"errors", s.store_errors},
          {"disk_low", s.store_disk_low},
          {"failed", s.store_failed},
          {"disk_free_bytes", s.disk_free_bytes},
          {"min_free_disk", s.min_free_disk}};
}

json memory_health(const Snapshot& s) {
  return {{"high", s.memory_high}, {"rss_bytes", s.memory_rss_bytes}, {"high_watermark", s.memory_high_watermark}};
}

json health_json(const Snapshot& s) {
  json listeners = json::object();
  for (const auto& [name, port] : s.listeners) listeners[name] = port;
  return {{"status", s.ready() ? "ok" : "degraded"},
          {"live", true},
          {"ready", s.ready()},
          {"version", s.version},
          {"uptime_s", s.uptime_s},
          {"listeners", listeners},
          {"store", store_health(s)},
          {"memory", memory_health(s)}};
}

json stats_json(const Snapshot& s) {
  json by_listener = json::object(), by_protocol = json::object();
  for (const auto& c : s.connected_by) {
    by_listener[c.listener] = by_listener.value(c.listener, uint64_t{0}) + c.count;
    by_protocol[c.protocol] = by_protocol.value(c.protocol, uint64_t{0}) + c.count;
  }
  json attempts = json::object();
  for (const auto& a : s.connect_attempts) attempts[a.listener][a.result] = a.count;
  json qos = json::object();
  for (size_t i = 0; i < s.received_by_qos.size() && i < s.sent_by_qos.size(); ++i) {
    json one = {{"received", s.received_by_qos[i].second}, {"sent", s.sent_by_qos[i].second}};
    if (i < s.received_payload_bytes_by_qos.size()) one["received_bytes"] = s.received_payload_bytes_by_qos[i].second;
    if (i < s.sent_payload_bytes_by_qos.size()) one["sent_bytes"] = s.sent_payload_bytes_by_qos[i].second;
    qos[s.received_by_qos[i].first] = std::move(one);
  }
  const uint64_t commits = s.commit_duration.count();
  json out = {
      {"version", s.version},
      {"uptime_s", s.uptime_s},
      {"connections", {{"current", s.connections},
                           {"by_listener", by_listener},
                           {"by_protocol", by_protocol},
                           {"accepted", pairs_object(s.accepted_by_listener)},
                           {"protocol_errors", s.protocol_errors},
                           {"keepalive_timeouts", s.keepalive_timeouts},
                           {"packet_timeouts", s.packet_timeouts},
                           {"tls_handshake_failures", s.tls_handshake_failures},
                           {"accept_errors", s.accept_errors},
                           {"attempts", attempts},
                           {"disconnects", pairs_object(s.disconnects)}}},
      {"messages", {{"received", s.messages_received},
                    {"sent", s.messages_sent},
                    {"by_qos", qos},
                    {"dropped", pairs_object(s.dropped)},
                    {"wills_published", s.wills_published}}},
      {"bytes", {{"received", s.bytes_received}, {"sent", s.bytes_sent}}},
      {"retained", s.retained},
      {"sessions_expired", s.sessions_expired},
      {"store", {{"ok", s.store_ok},
                 {"errors", s.store_errors},
                 {"disk_low", s.store_disk_low},
                 {"failed", s.store_failed},
                 {"disk_free_bytes", s.disk_free_bytes},
                 {"min_free_disk", s.min_free_disk},
                 {"size_bytes", s.store_bytes},
                 {"commits", commits},
                 {"commit_ms_mean", commits == 0 ? 0.0 : s.commit_duration.sum_s * 1000 / static_cast<double>(commits)}}},
      {"memory", {{"high", s.memory_high},
                  {"high_watermark", s.memory_high_watermark},
                  {"rss_bytes", s.memory_rss_bytes},
                  {"partial_packet_bytes", s.partial_packet_bytes},
                  {"partial_packet_budget", s.partial_packet_budget},
                  {"partial_packet_pauses", s.partial_packet_pauses},
                  {"heap_trims", s.heap_trims},
                  {"heap_trim_ms", s.heap_trim_seconds * 1000}}},
      {"loop_lag_ms", {{"max", s.loop_lag_max_ms}}},
      {"process", {{"rss_bytes", s.process_rss_bytes},
                   {"cpu_seconds", s.process_cpu_seconds},
                   {"open_fds", s.process_open_fds}}}};
  if (s.sessions) {
    out["sessions"] = {{"connected", s.sessions->connected},
                       {"offline", s.sessions->offline},
                       {"queued", s.sessions->queued},
                       {"inflight", s.sessions->inflight},
                       {"subscriptions", s.sessions->subscriptions}};
  }
  return out;
}

void put_payload(json& item, const std::string& payload) {
  if (mqtt::valid_utf8(payload)) {
    item["payload"] = payload;
    item["payload_encoding"] = "text";
    return;
  }
  std::string b64(4 * ((payload.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(payload.data()), static_cast<int>(payload.size()));
  b64.resize(static_cast<size_t>(n));
  item["payload"] = b64;
  item["payload_encoding"] = "base64";
}

std::optional<std::string> decode_base64(std::string_view in) {
  if (in.size() % 4 != 0 || in.size() > std::numeric_limits<int>::max()) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  // EVP_DecodeBlock takes '=' anywhere and skips blanks; standard base64 has neither.
  for (size_t i = 0; i + pad < in.size(); ++i) {
    const char c = in[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

json retained_json(const RetainedItem& m) {
  json item = {{"topic", m.topic}, {"qos", m.qos}, {"size", m.payload.size()}};
  put_payload(item, m.payload);
  if (m.expires_at_ms != 0) item["expires_at_ms"] = m.expires_at_ms;
  if (!m.content_type.empty()) item["content_type"] = m.content_type;
  return item;
}

json subscription_json(const SubscriptionItem& s) {
  json item = {{"client_id", s.client_id},
               {"filter", s.filter},
               {"qos", s.qos},
               {"no_local", s.no_local},
               {"retain_as_published", s.retain_as_published}};
  mqtt::SharedFilter shared;
  if (mqtt::parse_shared_filter(s.filter, shared)) {
    item["share_group"] = std::string(shared.group);
    item["topic_filter"] = std::string(shared.filter);
  }
  if (s.subscription_id != 0) item["subscription_id"] = s.subscription_id;
  return item;
}

json client_json(const ClientItem& c) {
  json item = {{"client_id", c.client_id},
               {"connected", c.connected},
               {"persistent", c.persistent},
               {"session_expiry_s", c.session_expiry_s},
               {"inflight", c.inflight},
               {"queued", c.queued},
               {"subscription_count", c.subscription_count}};
  if (c.connected) {
    item["username"] = c.username;
    item["transport"] = c.transport;
    item["protocol"] = c.protocol;
    item["peer"] = c.peer;
    item["keep_alive_s"] = c.keep_alive_s;
    item["connected_at_ms"] = c.connected_at_ms;
  }
  if (!c.subscriptions.empty()) {
    json subs = json::array();
    for (const SubscriptionItem& s : c.subscriptions) {
      json one = subscription_json(s);
      one.erase("client_id");
      subs.push_back(std::move(one));
    }
    item["subscriptions"] = std::move(subs);
  }
  return item;
}

json topic_json(const TopicItem& t) {
  return {{"filter", t.filter}, {"subscriptions", t.subscriptions}, {"shared", t.shared}};
}

namespace {

// What the body's "properties" object may set, as MQTT 5 names them.
bool parse_properties(const nlohmann::ordered_json& p, mqtt::Properties& out, std::string& error) {
  if (!p.is_object()) {
    error = "properties must be an object";
    return false;
  }
  for (const auto& [key, v] : p.items()) {
    if (key == "payload_format_indicator" && (v.is_boolean() || (v.is_number_unsigned() && v.get<uint64_t>() <= 1))) {
      out.payload_format = static_cast<uint8_t>(v.is_boolean() ? v.get<bool>() : v.get<uint64_t>());
    } else if (key == "message_expiry_interval" && v.is_number_unsigned() && v.get<uint64_t>() <= UINT32_MAX) {
      out.message_expiry = static_cast<uint32_t>(v.get<uint64_t>());
    } else if (key == "content_type" && v.is_string() && mqtt::valid_utf8(v.get<std::string>())) {
      out.content_type = v.get<std::string>();
    } else if (key == "response_topic" && v.is_string() && mqtt::valid_topic_name(v.get<std::string>())) {
      out.response_topic = v.get<std::string>();  // no wildcards [MQTT-3.3.2-14]
    } else if (key == "correlation_data" && v.is_string()) {
      out.correlation_data = v.get<std::string>();
    } else if (key == "user_properties" && v.is_object()) {
      for (const auto& [name, value] : v.items()) {
        // MQTT strings: UTF-8 without U+0000 [MQTT-1.5.4-2], which a JSON
        // "\u0000" would otherwise smuggle in.
        if (!value.is_string() || !mqtt::valid_utf8(name) || !mqtt::valid_utf8(value.get<std::string>())) {
          error = "user_properties are string pairs without U+0000";
          return false;
        }
        out.user_properties.emplace_back(name, value.get<std::string>());
      }
    } else {
      error = "properties." + key + " is unknown or of the wrong type";
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<PublishRequest> parse_publish(std::string_view body, std::string& error) {
  // ordered_json keeps user properties in the order they were written.
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  PublishRequest r;
  std::string encoding = "text";
  bool have_topic = false;
  for (const auto& [key, v] : doc.items()) {
    if (key == "topic" && v.is_string()) {
      r.topic = v.get<std::string>();
      have_topic = true;
    } else if (key == "payload" && v.is_string()) {
      r.payload = v.get<std::string>();
    } else if (key == "payload_encoding" && v.is_string()) {
      encoding = v.get<std::string>();
    } else if (key == "qos" && v.is_number_unsigned() && v.get<uint64_t>() <= 2) {
      r.qos = static_cast<uint8_t>(v.get<uint64_t>());
    } else if (key == "retain" && v.is_boolean()) {
      r.retain = v.get<bool>();
    } else if (key == "properties") {
      if (!parse_properties(v, r.props.mut(), error)) return std::nullopt;
    } else {
      error = key + " is unknown or of the wrong type";
      return std::nullopt;
    }
  }
  if (!have_topic || !mqtt::valid_topic_name(r.topic)) {
    error = "topic must be a topic name (no wildcards)";
    return std::nullopt;
  }
  if (r.topic.starts_with("$SYS/") || r.topic == "$SYS") {
    error = "$SYS topics are the gateway's own";
    return std::nullopt;
  }
  if (encoding == "base64") {
    auto raw = decode_base64(r.payload);
    if (!raw) {
      error = "payload is not base64";
      return std::nullopt;
    }
    r.payload = std::move(*raw);
  } else if (encoding != "text") {
    error = "payload_encoding is text or base64";
    return std::nullopt;
  }
  if (r.props->payload_format.value_or(0) == 1 && !mqtt::valid_utf8(r.payload)) {
    error = "payload_format_indicator 1 needs a UTF-8 payload";  // [MQTT-3.3.2-4]
    return std::nullopt;
  }
  return r;
}

}  // namespace edgemq::admin
