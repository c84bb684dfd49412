// What one edgemqctl command line asks for, as plain values: where the
// gateway's admin endpoint is and how to reach it, the HTTP requests to
// send in order, and how to show the answers. args.cpp makes one from argv
// without touching the network; run.cpp sends it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgemq::ctl {

inline constexpr const char* kDefaultUrl = "http://127.0.0.1:18083";

// Exit codes (docs/edgemqctl.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitApiError = 1;     // the gateway answered with an error
inline constexpr int kExitUsage = 2;        // the command line is wrong
inline constexpr int kExitUnreachable = 3;  // no HTTP answer at all

struct Globals {
  std::string url = kDefaultUrl;  // scheme, host, port and any path prefix, no trailing '/'
  std::string token;              // empty: no Authorization header
  bool json = false;              // print the API's JSON instead of tables
  double timeout_s = 10;          // per request, connecting included
};

struct Request {
  std::string method = "GET";
  std::string target;  // path and query, percent-encoded: "/api/v1/clients/dev%2F1?session=true"
  std::string body;    // JSON, POST only
};

// How the answers are shown: one per command (retained has three).
enum class View : uint8_t {
  Status,  // two requests: health, then stats
  Metrics,
  Clients,
  Client,
  Kick,
  Subscriptions,
  Topics,
  RetainedList,
  RetainedGet,
  RetainedDelete,
  Publish,
};

// The publish command's message, apart from the payload.
struct PublishSpec {
  std::string topic;
  int qos = 0;
  bool retain = false;
  bool base64 = false;  // the payload given is base64 already
  std::optional<int> format_indicator;
  std::optional<uint64_t> expiry_s;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::vector<std::pair<std::string, std::string>> user_properties;  // in the order given
};

enum class PayloadFrom : uint8_t { Argument, Stdin };

struct Invocation {
  Globals globals;
  View view = View::Status;
  std::vector<Request> requests;  // sent in order; the first failure ends the command
  // publish only: with Stdin, main reads standard input and calls set_payload
  // (publish.h) before sending.
  PublishSpec publish;
  PayloadFrom payload_from = PayloadFrom::Argument;
};

}  // namespace edgemq::ctl
