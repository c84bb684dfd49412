// HTTP/1.1 responses for the admin endpoint. Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgemq::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. WWW-Authenticate
};

// "OK", "Not Found", ... for the status codes the endpoint uses.
const char* reason_phrase(int status);

// The bytes of `r`; `keep_alive` false adds "Connection: close".
std::string serialize(const Response& r, bool keep_alive);

}  // namespace edgemq::http
