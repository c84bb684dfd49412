#include "gateway/core/sys_topics.h"

#include <string>

#include "gateway/core/shard.h"

namespace edgemq::core {
namespace {
void publish(Shard& shard, const char* topic, std::string value) {
  shard.broker().publish_system(make_message(topic, std::move(value), 0, true), shard);
}
}  // namespace

void publish_sys_topics(Shard& shard, uint64_t uptime_s) {
  Stats& st = shard.broker().stats();
  publish(shard, "$SYS/broker/version", "edgemq " EDGEMQ_VERSION);
  publish(shard, "$SYS/broker/uptime", std::to_string(uptime_s) + " seconds");
  publish(shard, "$SYS/broker/clients/connected",
          std::to_string(st.clients_connected.load(std::memory_order_relaxed)));
  publish(shard, "$SYS/broker/messages/received", std::to_string(st.messages_received()));
  publish(shard, "$SYS/broker/messages/sent", std::to_string(st.messages_sent()));
  publish(shard, "$SYS/broker/bytes/received", std::to_string(Stats::get(st.bytes_received)));
  publish(shard, "$SYS/broker/bytes/sent", std::to_string(Stats::get(st.bytes_sent)));
  publish(shard, "$SYS/broker/retained messages/count",
          std::to_string(shard.broker().retained().size()));
}

}  // namespace edgemq::core
