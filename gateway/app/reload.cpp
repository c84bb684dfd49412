#include "gateway/app/reload.h"

#include <spdlog/spdlog.h>

#include <map>

namespace edgemq::app {

namespace {

// A key that may change while the gateway runs, and how to take it over.
// Limits qualify when they are checked each time (a new window, queue or
// timeout takes effect at the next check). Not here: what CONNACK announced
// to connected clients (max_packet_size, receive_maximum,
// topic_alias_maximum, max_keep_alive, max_qos), listeners, storage,
// workers, tokens, and the shared-subscription strategy (the router's).
struct LiveKey {
  const char* name;
  bool is_limit;
  void (*take)(Config& to, const Config& from);
};

const LiveKey kLive[] = {
    {"log_level", false, [](Config& t, const Config& f) { t.log_level = f.log_level; }},
    {"max_inflight", true, [](Config& t, const Config& f) { t.limits.max_inflight = f.limits.max_inflight; }},
    {"max_queued_messages", true,
     [](Config& t, const Config& f) { t.limits.max_queued_messages = f.limits.max_queued_messages; }},
    {"ack_hold_timeout", true,
     [](Config& t, const Config& f) { t.limits.ack_hold_timeout_s = f.limits.ack_hold_timeout_s; }},
    {"max_outbound_bytes", true,
     [](Config& t, const Config& f) { t.limits.max_outbound_bytes = f.limits.max_outbound_bytes; }},
    {"connect_timeout", true,
     [](Config& t, const Config& f) { t.limits.connect_timeout_s = f.limits.connect_timeout_s; }},
    {"max_pending_acks", true,
     [](Config& t, const Config& f) { t.limits.max_pending_acks = f.limits.max_pending_acks; }},
    {"max_subscriptions", true,
     [](Config& t, const Config& f) { t.limits.max_subscriptions = f.limits.max_subscriptions; }},
    {"max_topic_length", true,
     [](Config& t, const Config& f) { t.limits.max_topic_length = f.limits.max_topic_length; }},
    {"max_topic_levels", true,
     [](Config& t, const Config& f) { t.limits.max_topic_levels = f.limits.max_topic_levels; }},
    {"max_retained_messages", true,
     [](Config& t, const Config& f) { t.limits.max_retained_messages = f.limits.max_retained_messages; }},
    // The files are read again by reload_tls whatever this says; a new path
    // takes a restart.
};

const LiveKey* live_key(const std::string& name) {
  for (const LiveKey& k : kLive) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, const Config& fresh) {
  ReloadPlan plan;
  plan.next = running;
  const auto now = config_values(running);
  const auto fresh_values = config_values(fresh);
  std::map<std::string, std::string> want(fresh_values.begin(), fresh_values.end());
  for (const auto& [name, value] : now) {
    const std::string& wanted = want[name];
    if (wanted == value) continue;
    if (const LiveKey* k = live_key(name)) {
      k->take(plan.next, fresh);
      plan.applied.push_back(name + " " + value + " -> " + wanted);
      (k->is_limit ? plan.limits : plan.log_level) = true;
    } else {
      plan.need_restart.push_back(name);
    }
  }
  return plan;
}

Config apply_reload(const ReloadPlan& plan, net::Gateway& gateway) {
  if (plan.log_level) spdlog::set_level(spdlog::level::from_str(plan.next.log_level));
  if (plan.limits) gateway.reload_limits(plan.next.limits);
  for (const std::string& change : plan.applied) spdlog::info("SIGHUP: {}", change);
  if (plan.applied.empty()) spdlog::info("SIGHUP: no setting that can change live has changed");
  for (const std::string& key : plan.need_restart) {
    spdlog::warn("SIGHUP: {} changed; it takes a restart, the running value stays", key);
  }
  return plan.next;
}

}  // namespace edgemq::app
