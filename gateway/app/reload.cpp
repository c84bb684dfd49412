#include "gateway/app/reload.h"

#include <spdlog/spdlog.h>

#include <map>

#include "gateway/app/memory_limit.h"

namespace edgemq::app {

namespace {

// A key that may change while the gateway runs, and how to take it over.
// Limits qualify when they are checked each time (a new window, queue or
// timeout takes effect at the next check). Not here: what CONNACK announced
// to connected clients (max_packet_size, receive_maximum,
// topic_alias_maximum, max_keep_alive, max_qos), listeners, storage,
// workers, tokens, and the shared-subscription strategy (the router's).
// Who takes a live key over: the log, each shard's limits (posted to the
// workers), or the gateway's memory guard (atomics, at once).
enum class Taker : uint8_t { LogLevel, Limits, Memory };

struct LiveKey {
  const char* name;
  Taker taker;
  void (*take)(Config& to, const Config& from);
};

const LiveKey kLive[] = {
    {"log_level", Taker::LogLevel, [](Config& t, const Config& f) { t.log_level = f.log_level; }},
    {"max_inflight", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_inflight = f.limits.max_inflight; }},
    {"max_queued_messages", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_queued_messages = f.limits.max_queued_messages; }},
    {"max_queued_bytes", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_queued_bytes = f.limits.max_queued_bytes; }},
    {"max_queued_bytes_total", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_queued_bytes_total = f.limits.max_queued_bytes_total; }},
    {"queue_full_policy", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.queue_full_policy = f.limits.queue_full_policy; }},
    {"ack_hold_timeout", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.ack_hold_timeout_ms = f.limits.ack_hold_timeout_ms; }},
    {"max_outbound_bytes", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_outbound_bytes = f.limits.max_outbound_bytes; }},
    {"connect_timeout", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.connect_timeout_s = f.limits.connect_timeout_s; }},
    // A packet already begun is judged by the new value at its next check.
    {"packet_timeout", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.packet_timeout_s = f.limits.packet_timeout_s; }},
    {"max_pending_acks", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_pending_acks = f.limits.max_pending_acks; }},
    {"max_subscriptions", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_subscriptions = f.limits.max_subscriptions; }},
    {"max_topic_length", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_topic_length = f.limits.max_topic_length; }},
    {"max_topic_levels", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_topic_levels = f.limits.max_topic_levels; }},
    {"max_retained_messages", Taker::Limits,
     [](Config& t, const Config& f) { t.limits.max_retained_messages = f.limits.max_retained_messages; }},
    {"partial_packet_budget", Taker::Memory,
     [](Config& t, const Config& f) { t.partial_packet_budget = f.partial_packet_budget; }},
    {"memory_high_watermark", Taker::Memory,
     [](Config& t, const Config& f) { t.memory_high_watermark = f.memory_high_watermark; }},
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
      switch (k->taker) {
        case Taker::LogLevel: plan.log_level = true; break;
        case Taker::Limits: plan.limits = true; break;
        case Taker::Memory: plan.memory = true; break;
      }
    } else {
      plan.need_restart.push_back(name);
    }
  }
  return plan;
}

Config apply_reload(const ReloadPlan& plan, net::Gateway& gateway) {
  if (plan.log_level) spdlog::set_level(spdlog::level::from_str(plan.next.log_level));
  if (plan.limits) gateway.reload_limits(plan.next.limits);
  if (plan.memory) {
    gateway.reload_memory(plan.next.partial_packet_budget,
                          resolve(plan.next.memory_high_watermark, memory_limit().bytes));
  }
  for (const std::string& change : plan.applied) spdlog::info("SIGHUP: {}", change);
  if (plan.applied.empty()) spdlog::info("SIGHUP: no setting that can change live has changed");
  for (const std::string& key : plan.need_restart) {
    spdlog::warn("SIGHUP: {} changed; it takes a restart, the running value stays", key);
  }
  return plan.next;
}

}  // namespace edgemq::app
