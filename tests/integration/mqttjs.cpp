#include "tests/integration/mqttjs.h"

#include <gtest/gtest.h>

#include "tests/integration/cli.h"
#include "tests/integration/paho_client.h"

namespace edgemq::itest {

using namespace std::chrono_literals;

void expect_mqttjs_roundtrip(const std::string& tcp_uri, const std::string& url, const std::string& prefix,
                             int version, const std::string& trust, JsHost host) {
  PahoClient tcp(tcp_uri, "it-js-peer-" + std::to_string(version));
  ASSERT_TRUE(tcp.connect(true));
  ASSERT_TRUE(tcp.subscribe(prefix + "/from-js", 1));
  const char* script = host == JsHost::Node ? "/ws_roundtrip.mjs" : "/browser_roundtrip.mjs";
  std::vector<std::string> args = {std::string(EDGEMQ_JS_DIR) + script, url, prefix, std::to_string(version)};
  if (!trust.empty()) args.push_back(trust);
  CliProcess js;
  ASSERT_TRUE(js.start("/usr/bin/node", args));
  // Chromium takes a second or two to start.
  ASSERT_TRUE(js.wait_for_output("ready granted=1", 20s)) << js.out() << js.err();
  auto m = tcp.receive(5s);
  ASSERT_TRUE(m) << "nothing from MQTT.js";
  EXPECT_EQ(m->to_string(), "hello from mqtt.js");
  ASSERT_TRUE(tcp.publish(prefix + "/to-js", "hello from tcp", 1));
  const CliResult r = js.wait(20s);
  ASSERT_TRUE(r.exited) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"({"topic":")" + prefix + R"(/to-js","payload":"hello from tcp","qos":1})"),
            std::string::npos)
      << r.out;
}

}  // namespace edgemq::itest
