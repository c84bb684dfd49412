// Real workers stopped while deliveries are on their way between them: in an
// outbox, in a target's inbox, or handed to a worker that already stopped.
// Nothing may crash or leak (the sanitizer run checks the latter).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gateway/net/gateway.h"

namespace edgemq::net {
namespace {

TEST(WorkerHandoff, ShutdownWithBatchesOnTheirWay) {
  const auto dir = std::filesystem::temp_directory_path() / ("edgemq-handoff-" + std::to_string(::getpid()));
  GatewayOptions options;
  options.mqtt_host = "127.0.0.1";
  options.mqtt_port = 0;
  options.data_dir = dir.string();
  options.workers = 2;
  options.sys_interval_s = 0;
  {
    Gateway gw(options);
    std::string error;
    ASSERT_TRUE(gw.open(error)) << error;
    // A subscriber at home on worker 1 with no session: worker 0 routes to
    // it, worker 1 drops what arrives.
    std::string id = "sub0";
    for (int i = 1; gw.broker().home_shard(id) != 1; ++i) id = "sub" + std::to_string(i);
    gw.broker().router().subscribe("t", id, 0, false);
    gw.start();
    for (int turn = 0; turn < 200; ++turn) {
      gw.post(0, [](core::Shard& s) {
        for (int i = 0; i < 500; ++i) s.broker().publish_system(core::make_message("t", "m", 0, false), s);
      });
    }
    gw.shutdown();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgemq::net
