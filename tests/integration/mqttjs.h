// MQTT.js under Node (tests/js/ws_roundtrip.mjs), as a web app uses it.
#pragma once

#include <string>

namespace edgemq::itest {

// MQTT.js connects to `url` (ws://, wss://, mqtts://; `ca_file` for TLS) in
// protocol `version` (4 or 5), a Paho client on `tcp_uri` receives what it
// publishes under `prefix` and sends it a message back; fails the current
// test on anything else.
void expect_mqttjs_roundtrip(const std::string& tcp_uri, const std::string& url, const std::string& prefix,
                             int version, const std::string& ca_file = {});

}  // namespace edgemq::itest
