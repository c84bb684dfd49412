// The $SYS/broker/... topics that MQTT tools and dashboards look for, in
// Mosquitto's names and formats so existing tooling reads them unchanged.
// Published retained at QoS 0 through the normal routing path, never stored.
#pragma once

#include <cstdint>

namespace edgemq::core {

class Shard;

void publish_sys_topics(Shard& shard, uint64_t uptime_s);

}  // namespace edgemq::core
