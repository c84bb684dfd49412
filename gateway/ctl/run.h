// Sends an Invocation's requests through a Transport and turns the answers
// into what the user sees and the exit code: tables or --json on stdout;
// the API's {"error","message"} as "edgemqctl: <status> <error>: <message>"
// on stderr (exit 1); no answer at all as "edgemqctl: cannot reach <url>:
// <why>" (exit 3). The Transport is libcurl in edgemqctl (http_client.h) and
// a fake in the unit tests.
#pragma once

#include <functional>
#include <string>

#include "gateway/ctl/invocation.h"

namespace edgemq::ctl {

struct HttpResult {
  bool reached = false;  // an HTTP answer arrived; false: refused, unresolved, timed out
  std::string error;     // why not, when !reached
  long status = 0;
  std::string body;
};

using Transport = std::function<HttpResult(const std::string& url, const Request& request)>;

struct RunOutput {
  int exit_code = kExitOk;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

RunOutput run(const Invocation& invocation, const Transport& transport);

}  // namespace edgemq::ctl
