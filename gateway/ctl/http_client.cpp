#include "gateway/ctl/http_client.h"

#include <curl/curl.h>

#include <cmath>
#include <string>
#include <utility>

namespace edgemq::ctl {

namespace {

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// The list freed whatever happens.
class Headers {
 public:
  ~Headers() { curl_slist_free_all(list_); }
  void add(const std::string& line) {
    if (curl_slist* l = curl_slist_append(list_, line.c_str()); l != nullptr) list_ = l;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace

HttpClient::HttpClient(std::string token, double timeout_s)
    : curl_(curl_easy_init()),
      token_(std::move(token)),
      timeout_ms_(static_cast<long>(std::ceil(timeout_s * 1000))) {}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpClient::send(const std::string& url, const Request& request) {
  HttpResult r;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    r.error = "libcurl could not be initialised";
    return r;
  }
  curl_easy_reset(curl);  // options back to defaults; the connection stays open
  char error[CURL_ERROR_SIZE] = "";
  Headers headers;
  headers.add(request.target == "/metrics" ? "Accept: text/plain" : "Accept: application/json");
  if (!token_.empty()) headers.add("Authorization: Bearer " + token_);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "edgemqctl/" EDGEMQ_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  if (request.method == "POST") {
    headers.add("Content-Type: application/json");
    headers.add("Expect:");  // the body at once, no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    r.error = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
    r.body.clear();
    return r;
  }
  r.reached = true;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

}  // namespace edgemq::ctl
