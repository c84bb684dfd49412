// What the admin routes ask of the gateway, as plain values: the routes
// (api.cpp) are pure functions of a Backend, unit-tested with a fake one;
// the gateway's own (gateway/app/admin_backend.cpp) answers on the workers'
// threads and waits a bounded time for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/admin/snapshot.h"
#include "protocols/mqtt/properties.h"

namespace edgemq::admin {

// How an operation that reaches into the workers ended.
enum class Outcome : uint8_t {
  Ok,
  NotFound,
  NotConnected,  // a kick without ?session=true of an offline session
  Busy,          // the workers did not answer within the bound: nothing is known
  StoreError,    // the store refused the change
};

template <typename T>
struct Answer {
  Outcome outcome = Outcome::Ok;
  T value{};
};

template <typename T>
struct Page {
  size_t total = 0;  // matches before paging
  std::vector<T> items;
};

struct Paging {
  size_t offset = 0;
  size_t limit = 100;
};

struct SubscriptionItem {
  std::string client_id;
  std::string filter;  // as subscribed: "$share/{group}/{filter}" for a shared one
  uint8_t qos = 0;
  bool no_local = false;
  bool retain_as_published = false;
  uint32_t subscription_id = 0;  // 0: none
};

struct ClientItem {
  std::string client_id;
  bool connected = false;
  // The connection's, while connected.
  std::string username;
  std::string transport;  // the listener it came through: "mqtt", "ws", "mqtts", "wss"
  std::string protocol;  // "3.1.1" (3.1 included) or "5.0"
  std::string peer;
  uint16_t keep_alive_s = 0;
  uint64_t connected_at_ms = 0;  // wall clock
  // The session's.
  bool persistent = false;
  uint32_t session_expiry_s = 0;
  size_t inflight = 0;  // QoS 1/2 sent, not yet acknowledged
  size_t queued = 0;    // waiting for the inflight window (or the client)
  size_t subscription_count = 0;
  std::vector<SubscriptionItem> subscriptions;  // for one client only, by filter
};

struct ClientQuery {
  std::string id_prefix;
  std::string username;  // exact; empty: any
  std::string transport;  // empty: any
  enum class State : uint8_t { Any, Connected, Offline } state = State::Any;
  Paging paging;
};

struct SubscriptionQuery {
  std::string client_id;    // exact; empty: any
  std::string filter;       // exact, as subscribed; empty: any
  std::string share_group;  // exact; empty: any (shared or not)
  int qos = -1;             // -1: any
  Paging paging;
};

// The subscriptions on one filter (for a shared subscription, the filter
// after "$share/{group}/").
struct TopicItem {
  std::string filter;
  size_t subscriptions = 0;  // ordinary ones
  size_t shared = 0;         // members of shared subscriptions
};

struct TopicQuery {
  std::string match;  // a topic name: only the filters a message on it would reach; empty: all
  Paging paging;
};

struct PublishRequest {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;
  bool retain = false;
  mqtt::Props props;  // 5.0 properties for 5.0 subscribers; null: none
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Read from thread-safe counters; never Busy.
  virtual Snapshot snapshot() = 0;
  // What health needs (store state, listeners, version, uptime); may leave
  // out what costs I/O (the process's figures, the store's size on disk),
  // as a health check runs every few seconds.
  virtual Snapshot health_snapshot() { return snapshot(); }
  // Summed over the workers; nullopt when they did not answer in time.
  virtual std::optional<SessionTotals> session_totals() = 0;
  // Retained messages whose topic matches a valid filter, unexpired, in
  // topic order.
  virtual std::vector<RetainedItem> retained(const std::string& filter) = 0;

  // Sorted by client id.
  virtual Answer<Page<ClientItem>> clients(const ClientQuery& q) = 0;
  virtual Answer<ClientItem> client(const std::string& client_id) = 0;
  // Ok: disconnected (and with `discard_session` the session ended).
  virtual Outcome kick(const std::string& client_id, bool discard_session) = 0;
  // Sorted by client id, then filter.
  virtual Answer<Page<SubscriptionItem>> subscriptions(const SubscriptionQuery& q) = 0;
  // Sorted by filter.
  virtual Answer<Page<TopicItem>> topics(const TopicQuery& q) = 0;
  // Ok once the store no longer has it.
  virtual Outcome delete_retained(const std::string& topic) = 0;
  // Ok once routed (QoS 0) or once stored for every persistent subscriber
  // (QoS 1/2), with the number of subscriptions it went to.
  virtual Answer<size_t> publish(PublishRequest request) = 0;
};

}  // namespace edgemq::admin
