#include "gateway/ctl/views.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "gateway/ctl/format.h"
#include "gateway/ctl/table.h"

namespace edgemq::ctl {

namespace {

constexpr size_t kPayloadPreview = 40;  // columns of a payload in the retained list

const Json& field(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// A string as is, a number or boolean as JSON writes it, else `fallback`.
std::string text(const Json& j, const char* key, const std::string& fallback = "-") {
  const Json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return fallback;
}

uint64_t count(const Json& j, const char* key) {
  const Json& v = field(j, key);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() > 0) return static_cast<uint64_t>(v.get<int64_t>());
  return 0;
}

bool flag(const Json& j, const char* key) {
  const Json& v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

// {"mqtt": 2, "ws": 0} as "mqtt 2" (zeros left out: listeners that are off
// show as 0 too); "-" when nothing is left.
std::string name_counts(const Json& object) {
  std::string out;
  if (object.is_object()) {
    for (const auto& [name, value] : object.items()) {
      if (value == 0) continue;
      if (!out.empty()) out += ", ";
      out += name + " " + (value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  return out.empty() ? "-" : out;
}

const Json& items(const Json& page) {
  static const Json kEmpty = Json::array();
  const Json& v = field(page, "items");
  return v.is_array() ? v : kEmpty;
}

// A table of a page's items with its footer, or only the footer for none.
std::string with_footer(const Table& table, const Json& page) {
  return (table.empty() ? std::string() : table.render()) + page_footer(page);
}

std::string dropped_summary(const Json& dropped) {
  uint64_t total = 0;
  std::string causes;
  if (dropped.is_object()) {
    for (const auto& [cause, value] : dropped.items()) {
      const uint64_t n = value.is_number_unsigned() ? value.get<uint64_t>() : 0;
      total += n;
      if (n == 0) continue;
      if (!causes.empty()) causes += ", ";
      causes += cause + " " + std::to_string(n);
    }
  }
  return std::to_string(total) + (causes.empty() ? "" : " (" + causes + ")");
}

std::string subscription_group(const Json& s) { return text(s, "share_group"); }

std::string payload_cell(const Json& item, size_t width) {
  std::string payload = printable(text(item, "payload", ""));
  if (text(item, "payload_encoding", "text") == "base64") payload = "[base64] " + payload;
  return width == 0 ? payload : truncate_to(payload, width);
}

std::string expires(const Json& item) {
  const Json& v = field(item, "expires_at_ms");
  return v.is_number_unsigned() ? format_utc_ms(v.get<uint64_t>()) : "-";
}

}  // namespace

std::string page_footer(const Json& page) {
  const uint64_t total = count(page, "total");
  const uint64_t offset = count(page, "offset");
  const size_t shown = items(page).size();
  if (total == 0 && shown == 0) return "total 0\n";
  if (shown == 0) return "total " + std::to_string(total) + ", none from offset " + std::to_string(offset) + "\n";
  return "total " + std::to_string(total) + ", showing " + std::to_string(offset + 1) + ".." +
         std::to_string(offset + shown) + "\n";
}

std::string render_status(const Json& health, const Json& stats) {
  const Json& connections = field(stats, "connections");
  const Json& messages = field(stats, "messages");
  const Json& bytes = field(stats, "bytes");
  const Json& store = field(stats, "store");
  const Json& process = field(stats, "process");
  std::vector<std::pair<std::string, std::string>> rows = {
      {"status", text(health, "status")},
      {"version", text(stats, "version", text(health, "version"))},
      {"uptime", format_duration(count(stats, "uptime_s"))},
      {"listeners", name_counts(field(health, "listeners"))},
      {"connections", std::to_string(count(connections, "current"))},
      {"  by transport", name_counts(field(connections, "by_listener"))},
      {"  by protocol", name_counts(field(connections, "by_protocol"))},
      {"messages", "received " + std::to_string(count(messages, "received")) + ", sent " +
                       std::to_string(count(messages, "sent"))},
      {"dropped", dropped_summary(field(messages, "dropped"))},
      {"wills published", std::to_string(count(messages, "wills_published"))},
      {"bytes", "received " + format_bytes(count(bytes, "received")) + ", sent " + format_bytes(count(bytes, "sent"))},
      {"retained", std::to_string(count(stats, "retained"))},
  };
  // Absent when the workers did not answer within the gateway's bound.
  if (const Json& sessions = field(stats, "sessions"); sessions.is_object()) {
    rows.emplace_back("sessions", "connected " + std::to_string(count(sessions, "connected")) + ", offline " +
                                      std::to_string(count(sessions, "offline")));
    rows.emplace_back("  messages", "queued " + std::to_string(count(sessions, "queued")) + ", inflight " +
                                        std::to_string(count(sessions, "inflight")));
  }
  rows.emplace_back("sessions expired", std::to_string(count(stats, "sessions_expired")));
  std::string store_line =
      std::string(flag(store, "ok") ? "ok" : "failing") + ", " + std::to_string(count(store, "errors")) + " errors";
  char buf[64];
  if (const Json& mean = field(store, "commit_ms_mean"); mean.is_number() && count(store, "commits") > 0) {
    std::snprintf(buf, sizeof buf, ", %llu commits, %.2f ms mean",
                  static_cast<unsigned long long>(count(store, "commits")), mean.get<double>());
    store_line += buf;
  }
  rows.emplace_back("store", store_line);
  if (const Json& lag = field(field(stats, "loop_lag_ms"), "max"); lag.is_number()) {
    std::snprintf(buf, sizeof buf, "%.1f ms (worst worker, last second)", lag.get<double>());
    rows.emplace_back("loop lag", buf);
  }
  rows.emplace_back("rss", format_bytes(count(process, "rss_bytes")));
  const Json& cpu = field(process, "cpu_seconds");
  if (cpu.is_number()) {
    std::snprintf(buf, sizeof buf, "%.2fs", cpu.get<double>());
    rows.emplace_back("cpu", buf);
  }
  rows.emplace_back("open fds", std::to_string(count(process, "open_fds")));
  return render_pairs(rows);
}

std::string render_clients(const Json& page) {
  Table t({"CLIENT ID", "STATE", "PROTO", "TRANSPORT", "PEER", "USERNAME", "INFLIGHT", "QUEUED", "SUBS",
           "CONNECTED SINCE"},
          {Align::Left, Align::Left, Align::Left, Align::Left, Align::Left, Align::Left, Align::Right, Align::Right,
           Align::Right, Align::Left});
  for (const Json& c : items(page)) {
    const bool connected = flag(c, "connected");
    const Json& since = field(c, "connected_at_ms");
    std::string username = text(c, "username");
    if (username.empty()) username = "-";
    t.add({text(c, "client_id"), connected ? "connected" : "offline", text(c, "protocol"), text(c, "transport"),
           text(c, "peer"), username, std::to_string(count(c, "inflight")), std::to_string(count(c, "queued")),
           std::to_string(count(c, "subscription_count")),
           since.is_number_unsigned() ? format_utc_ms(since.get<uint64_t>()) : "-"});
  }
  return with_footer(t, page);
}

std::string render_client(const Json& c) {
  const bool connected = flag(c, "connected");
  std::vector<std::pair<std::string, std::string>> rows = {
      {"client id", text(c, "client_id")},
      {"state", connected ? "connected" : "offline"},
      {"persistent", yes_no(flag(c, "persistent"))},
      {"session expiry", format_session_expiry(count(c, "session_expiry_s"))},
  };
  if (connected) {
    const Json& since = field(c, "connected_at_ms");
    std::string username = text(c, "username");
    rows.insert(rows.end(), {
                                {"protocol", text(c, "protocol")},
                                {"transport", text(c, "transport")},
                                {"peer", text(c, "peer")},
                                {"username", username.empty() ? "-" : username},
                                {"keep alive", text(c, "keep_alive_s") + "s"},
                                {"connected since",
                                 since.is_number_unsigned() ? format_utc_ms(since.get<uint64_t>()) : "-"},
                            });
  }
  rows.insert(rows.end(), {
                              {"inflight", std::to_string(count(c, "inflight"))},
                              {"queued", std::to_string(count(c, "queued"))},
                              {"subscriptions", std::to_string(count(c, "subscription_count"))},
                          });
  std::string out = render_pairs(rows);
  const Json& subs = field(c, "subscriptions");
  if (!subs.is_array() || subs.empty()) return out;
  Table t({"FILTER", "QOS", "NO LOCAL", "RETAIN AS PUBLISHED", "SUB ID", "SHARE GROUP"},
          {Align::Left, Align::Right, Align::Left, Align::Left, Align::Right, Align::Left});
  for (const Json& s : subs) {
    t.add({text(s, "filter"), text(s, "qos"), yes_no(flag(s, "no_local")), yes_no(flag(s, "retain_as_published")),
           text(s, "subscription_id"), subscription_group(s)});
  }
  return out + "\n" + t.render();
}

std::string render_kicked(const Json& answer) {
  std::string out = "kicked " + printable(text(answer, "client_id"));
  if (flag(answer, "session_discarded")) out += "; its session is discarded";
  return out + "\n";
}

std::string render_subscriptions(const Json& page) {
  Table t({"CLIENT ID", "FILTER", "QOS", "NO LOCAL", "RETAIN AS PUBLISHED", "SUB ID", "SHARE GROUP"},
          {Align::Left, Align::Left, Align::Right, Align::Left, Align::Left, Align::Right, Align::Left});
  for (const Json& s : items(page)) {
    t.add({text(s, "client_id"), text(s, "filter"), text(s, "qos"), yes_no(flag(s, "no_local")),
           yes_no(flag(s, "retain_as_published")), text(s, "subscription_id"), subscription_group(s)});
  }
  return with_footer(t, page);
}

std::string render_topics(const Json& page) {
  Table t({"FILTER", "SUBSCRIPTIONS", "SHARED"}, {Align::Left, Align::Right, Align::Right});
  for (const Json& topic : items(page)) {
    t.add({text(topic, "filter"), std::to_string(count(topic, "subscriptions")),
           std::to_string(count(topic, "shared"))});
  }
  return with_footer(t, page);
}

std::string render_retained_list(const Json& page) {
  Table t({"TOPIC", "QOS", "SIZE", "PAYLOAD", "CONTENT TYPE", "EXPIRES"},
          {Align::Left, Align::Right, Align::Right, Align::Left, Align::Left, Align::Left});
  for (const Json& m : items(page)) {
    t.add({text(m, "topic"), text(m, "qos"), std::to_string(count(m, "size")), payload_cell(m, kPayloadPreview),
           text(m, "content_type"), expires(m)});
  }
  return with_footer(t, page);
}

std::string render_retained(const Json& m) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"topic", text(m, "topic")},
      {"qos", text(m, "qos")},
      {"size", std::to_string(count(m, "size")) + " bytes"},
      {"content type", text(m, "content_type")},
      {"expires", expires(m)},
      {"encoding", text(m, "payload_encoding")},
      {"payload", printable(text(m, "payload", ""))},
  };
  return render_pairs(rows);
}

std::string render_retained_deleted(const Json& answer) {
  return "deleted the retained message on " + printable(text(answer, "topic")) + "\n";
}

std::string render_published(const Json& answer) {
  const uint64_t matched = count(answer, "matched");
  return "published to " + printable(text(answer, "topic")) + " (qos " + text(answer, "qos") +
         (flag(answer, "retain") ? ", retained" : "") + "): " + std::to_string(matched) +
         (matched == 1 ? " subscription" : " subscriptions") + " matched\n";
}

}  // namespace edgemq::ctl
