// HTTP/1.1 requests for the admin endpoint: parsed incrementally by llhttp
// (Node's parser, as Debian ships it), with bounds on the head and the body,
// several requests on one connection one after the other (keep-alive).
// Pure: bytes in, requests out; the caller owns the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgemq::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target before '?', percent-decoding left to the route
  std::string query;   // after '?', without it
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  std::string body;
  bool keep_alive = true;

  // The first header named `name` (lowercase), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // The value of `key` in the query string (`a=1&b=2`), percent-decoded.
  std::optional<std::string> query_param(std::string_view key) const;
  // Whether every value of the query string decodes (so an absent parameter
  // and a broken one are told apart).
  bool query_decodes() const;
};

struct ParseLimits {
  size_t max_head_bytes = 8192;   // request line and headers
  size_t max_body_bytes = 65536;
};

// A request the parser refused: the status to answer with (400, 413, 431,
// 505) and why, for the log and the error body.
struct ParseError {
  int status = 400;
  std::string message;
};

class RequestParser {
 public:
  explicit RequestParser(ParseLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Takes the next bytes. Every complete request is appended to `out`; bytes
  // after an incomplete one are kept for the next call. A broken request
  // sets `error` (the connection then answers it and closes), and every later
  // call does nothing.
  void feed(std::span<const uint8_t> in, std::vector<Request>& out, std::optional<ParseError>& error);
  // No request has begun since the last complete one.
  bool idle() const;

  struct State;  // request.cpp: llhttp and what its callbacks collect

 private:
  std::unique_ptr<State> s_;
};

// "%41b" -> "Ab"; nullopt for a broken escape. `plus_is_space`: "+" -> " ",
// as form-encoded query strings mean it; in a path "+" is itself.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = true);

}  // namespace edgemq::http
