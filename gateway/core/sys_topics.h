// The $SYS/broker/... topics that MQTT tools and dashboards look for, in
// Mosquitto's names and formats so existing tooling reads them unchanged.
// Published retained at QoS 0 through the normal routing path, never stored.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgemq::core {

class Shard;

void publish_sys_topics(Shard& shard, uint64_t uptime_s);

// "$SYS" and everything under it: the gateway's, not a client's to publish.
inline bool is_sys_topic(std::string_view topic) {
  return topic.substr(0, 4) == "$SYS" && (topic.size() == 4 || topic[4] == '/');
}

}  // namespace edgemq::core
