// The Transport edgemqctl sends its requests with: one libcurl easy handle,
// reused so that status's two requests share a keep-alive connection.
// HTTP and HTTPS only (an admin endpoint behind a TLS proxy works), no
// redirects followed, the bearer token on every request.
#pragma once

#include <string>

#include "gateway/ctl/run.h"

namespace edgemq::ctl {

class HttpClient {
 public:
  HttpClient(std::string token, double timeout_s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult send(const std::string& url, const Request& request);

 private:
  void* curl_;  // CURL*, kept out of this header
  std::string token_;
  long timeout_ms_;
};

}  // namespace edgemq::ctl
