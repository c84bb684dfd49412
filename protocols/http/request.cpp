#include "protocols/http/request.h"

#include <llhttp.h>

#include <cctype>

namespace edgemq::http {

struct RequestParser::State {
  ParseLimits limits;
  llhttp_t parser{};
  llhttp_settings_t settings{};
  Request current;
  std::string url;
  bool in_value = false;  // the last callback was a header value
  bool in_message = false;  // a request has begun and not ended
  size_t head_bytes = 0;  // of the current request
  std::vector<Request>* out = nullptr;  // during feed
  std::optional<ParseError> error;

  static State& of(llhttp_t* p) { return *static_cast<State*>(p->data); }

  // Refuses from inside a callback: llhttp stops with HPE_USER.
  int refuse(int status, std::string message) {
    if (!error) error = ParseError{status, std::move(message)};
    return -1;
  }
  int count_head(size_t n) {
    head_bytes += n;
    return head_bytes > limits.max_head_bytes ? refuse(431, "request head larger than " +
                                                                 std::to_string(limits.max_head_bytes) + " bytes")
                                              : 0;
  }
};

namespace {

using State = RequestParser::State;

int on_message_begin(llhttp_t* p) {
  State& s = State::of(p);
  s.in_message = true;
  s.current = Request{};
  s.url.clear();
  s.in_value = false;
  s.head_bytes = 0;
  return 0;
}

int on_url(llhttp_t* p, const char* at, size_t n) {
  State& s = State::of(p);
  s.url.append(at, n);
  return s.count_head(n);
}

int on_header_field(llhttp_t* p, const char* at, size_t n) {
  State& s = State::of(p);
  if (s.in_value || s.current.headers.empty()) s.current.headers.emplace_back();
  s.in_value = false;
  for (size_t i = 0; i < n; ++i) {
    s.current.headers.back().first.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
  }
  return s.count_head(n);
}

int on_header_value(llhttp_t* p, const char* at, size_t n) {
  State& s = State::of(p);
  s.in_value = true;
  s.current.headers.back().second.append(at, n);
  return s.count_head(n);
}

int on_headers_complete(llhttp_t* p) {
  State& s = State::of(p);
  if (p->content_length > s.limits.max_body_bytes && (p->flags & F_CONTENT_LENGTH) != 0) {
    return s.refuse(413, "body larger than " + std::to_string(s.limits.max_body_bytes) + " bytes");
  }
  if (llhttp_get_http_major(p) != 1) return s.refuse(505, "HTTP/1.x only");
  return 0;
}

int on_body(llhttp_t* p, const char* at, size_t n) {
  State& s = State::of(p);
  if (s.current.body.size() + n > s.limits.max_body_bytes) {
    return s.refuse(413, "body larger than " + std::to_string(s.limits.max_body_bytes) + " bytes");
  }
  s.current.body.append(at, n);
  return 0;
}

int on_message_complete(llhttp_t* p) {
  State& s = State::of(p);
  Request& r = s.current;
  r.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(p)));
  const size_t q = s.url.find('?');
  r.path = s.url.substr(0, q);
  if (q != std::string::npos) r.query = s.url.substr(q + 1);
  r.keep_alive = llhttp_should_keep_alive(p) != 0;
  s.in_message = false;
  s.out->push_back(std::move(r));
  return 0;
}

}  // namespace

RequestParser::RequestParser(ParseLimits limits) : s_(std::make_unique<State>()) {
  s_->limits = limits;
  llhttp_settings_init(&s_->settings);
  s_->settings.on_message_begin = on_message_begin;
  s_->settings.on_url = on_url;
  s_->settings.on_header_field = on_header_field;
  s_->settings.on_header_value = on_header_value;
  s_->settings.on_headers_complete = on_headers_complete;
  s_->settings.on_body = on_body;
  s_->settings.on_message_complete = on_message_complete;
  llhttp_init(&s_->parser, HTTP_REQUEST, &s_->settings);
  s_->parser.data = s_.get();
}

RequestParser::~RequestParser() = default;

void RequestParser::feed(std::span<const uint8_t> in, std::vector<Request>& out, std::optional<ParseError>& error) {
  if (s_->error) {
    error = s_->error;
    return;
  }
  s_->out = &out;
  const llhttp_errno_t rc = llhttp_execute(&s_->parser, reinterpret_cast<const char*>(in.data()), in.size());
  s_->out = nullptr;
  if (rc != HPE_OK && !s_->error) {
    s_->error = ParseError{400, std::string("malformed request: ") + llhttp_errno_name(rc)};
  }
  error = s_->error;
}

bool RequestParser::idle() const { return !s_->in_message; }

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool Request::query_decodes() const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    if (!percent_decode(rest.substr(0, amp))) return false;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return true;
}

std::optional<std::string> Request::query_param(std::string_view key) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace edgemq::http
