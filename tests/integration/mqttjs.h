// MQTT.js as web apps use it: under Node (tests/js/ws_roundtrip.mjs) or in
// a page in headless Chromium (tests/js/browser_roundtrip.mjs).
#pragma once

#include <string>

namespace edgemq::itest {

enum class JsHost { Node, Chromium };

// MQTT.js connects to `url` (ws://, wss://; mqtts:// under Node) in protocol
// `version` (4 or 5), a Paho client on `tcp_uri` receives what it publishes
// under `prefix` and sends it a message back; fails the current test on
// anything else. `trust`, for TLS: under Node the CA file the server must
// chain to, in Chromium the server's certificate (pinned).
void expect_mqttjs_roundtrip(const std::string& tcp_uri, const std::string& url, const std::string& prefix,
                             int version, const std::string& trust = {}, JsHost host = JsHost::Node);

}  // namespace edgemq::itest
