// The opening handshake, checked in the order RFC 6455 4.2.1 lists the
// request's requirements; the first one broken decides the refusal.
#include "protocols/ws/handshake.h"

#include <llhttp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace edgemq::ws {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 1.3

// Subprotocols we speak, in the MQTT spec's names [MQTT-6.0.0-3]: "mqtt"
// for 3.1.1 and 5.0, "mqttv3.1" for 3.1.
constexpr std::string_view kSubprotocols[] = {"mqtt", "mqttv3.1"};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated elements of a header value [RFC 9110 5.6.1].
std::vector<std::string_view> tokens(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

bool has_token(std::string_view value, std::string_view token) {
  for (std::string_view t : tokens(value)) {
    if (iequals(t, token)) return true;
  }
  return false;
}

// A key is 16 random bytes in base64: 24 characters ending in "==" [RFC 6455 4.1].
bool valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  unsigned char decoded[18];
  return EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}

std::string refusal(int code, std::string_view status, std::string_view why, std::string_view extra_headers = {}) {
  std::string body(why);
  body += '\n';
  std::string r = "HTTP/1.1 " + std::to_string(code) + " ";
  r.append(status).append("\r\n");
  r.append(extra_headers);
  r += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  r += body;
  return r;
}

}  // namespace

struct HandshakeParser::State {
  HandshakePolicy policy;
  llhttp_t parser{};
  llhttp_settings_t settings{};
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  bool in_value = false;  // the last callback was a value: a field starts a new header
  size_t fed = 0;         // bytes taken by earlier calls
  bool done = false;
  HandshakeResult result;

  // A header's value, repeated headers joined by commas [RFC 9110 5.3]; null if absent.
  std::optional<std::string> header(std::string_view name) const {
    std::optional<std::string> v;
    for (const auto& [n, value] : headers) {
      if (n != name) continue;
      if (v) {
        *v += ',';
        *v += value;
      } else {
        v = value;
      }
    }
    return v;
  }

  void refuse(int code, std::string_view status, std::string_view why, std::string_view extra = {}) {
    result.status = HandshakeResult::Status::Refused;
    result.response = refusal(code, status, why, extra);
    result.error.assign(why);
  }

  void decide();
};

void HandshakeParser::State::decide() {
  if (llhttp_get_method(&parser) != HTTP_GET) return refuse(405, "Method Not Allowed", "not a GET request");
  if (llhttp_get_http_major(&parser) != 1 || llhttp_get_http_minor(&parser) < 1) {
    return refuse(400, "Bad Request", "not HTTP/1.1");
  }
  if (!header("host")) return refuse(400, "Bad Request", "no Host header");
  const std::string path = url.substr(0, url.find('?'));
  if (std::find(policy.paths.begin(), policy.paths.end(), path) == policy.paths.end()) {
    return refuse(404, "Not Found", "no MQTT endpoint at " + path);
  }
  const auto upgrade = header("upgrade");
  const auto connection = header("connection");
  if (!upgrade || !has_token(*upgrade, "websocket") || !connection || !has_token(*connection, "upgrade")) {
    return refuse(426, "Upgrade Required", "a WebSocket upgrade is required here",
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n");
  }
  const auto version = header("sec-websocket-version");
  if (!version || trim(*version) != "13") {
    // The versions we speak go back with the refusal [RFC 6455 4.4].
    return refuse(426, "Upgrade Required", "WebSocket version 13 is required", "Sec-WebSocket-Version: 13\r\n");
  }
  const auto key = header("sec-websocket-key");
  if (!key || !valid_key(trim(*key))) return refuse(400, "Bad Request", "missing or malformed Sec-WebSocket-Key");
  const auto origin = header("origin");
  if (origin && !policy.allowed_origins.empty() &&
      std::find(policy.allowed_origins.begin(), policy.allowed_origins.end(), trim(*origin)) ==
          policy.allowed_origins.end()) {
    return refuse(403, "Forbidden", "origin not allowed: " + *origin);
  }
  if (const auto offered = header("sec-websocket-protocol")) {
    // The first of the client's choices that we speak [RFC 6455 4.2.2].
    for (std::string_view p : tokens(*offered)) {
      for (std::string_view ours : kSubprotocols) {
        if (p == ours && result.subprotocol.empty()) result.subprotocol.assign(ours);
      }
    }
    if (result.subprotocol.empty()) {
      return refuse(400, "Bad Request", "no supported subprotocol offered (mqtt, mqttv3.1)");
    }
  }
  result.status = HandshakeResult::Status::Accepted;
  result.response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  result.response += "Sec-WebSocket-Accept: " + accept_key(trim(*key)) + "\r\n";
  if (!result.subprotocol.empty()) result.response += "Sec-WebSocket-Protocol: " + result.subprotocol + "\r\n";
  result.response += "\r\n";
}

namespace {

HandshakeParser::State& state_of(llhttp_t* p) { return *static_cast<HandshakeParser::State*>(p->data); }

int on_url(llhttp_t* p, const char* at, size_t n) {
  state_of(p).url.append(at, n);
  return 0;
}

int on_header_field(llhttp_t* p, const char* at, size_t n) {
  auto& s = state_of(p);
  if (s.headers.empty() || s.in_value) s.headers.emplace_back();
  s.in_value = false;
  for (size_t i = 0; i < n; ++i) {
    s.headers.back().first.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
  }
  return 0;
}

int on_header_value(llhttp_t* p, const char* at, size_t n) {
  auto& s = state_of(p);
  if (s.headers.empty()) s.headers.emplace_back();
  s.headers.back().second.append(at, n);
  s.in_value = true;
  return 0;
}

// The request ends with its headers: a handshake has no body, and what
// follows is the WebSocket stream. 2 = "no body, pause as for an upgrade",
// so llhttp_execute returns HPE_PAUSED_UPGRADE right there.
int on_headers_complete(llhttp_t*) { return 2; }

}  // namespace

HandshakeParser::HandshakeParser(HandshakePolicy policy) : s_(std::make_unique<State>()) {
  s_->policy = std::move(policy);
  llhttp_settings_init(&s_->settings);
  s_->settings.on_url = on_url;
  s_->settings.on_header_field = on_header_field;
  s_->settings.on_header_value = on_header_value;
  s_->settings.on_headers_complete = on_headers_complete;
  llhttp_init(&s_->parser, HTTP_REQUEST, &s_->settings);
  s_->parser.data = s_.get();
}

HandshakeParser::~HandshakeParser() = default;

HandshakeResult HandshakeParser::feed(std::span<const uint8_t> in) {
  State& s = *s_;
  if (s.done) return s.result;
  const auto* data = reinterpret_cast<const char*>(in.data());
  // llhttp sees no byte past the size bound, so where a request breaks a
  // rule and where it grows too large are told apart the same way however
  // it was split.
  const size_t take = std::min(in.size(), s.policy.max_request_bytes - s.fed);
  const llhttp_errno_t err = llhttp_execute(&s.parser, data, take);
  if (err == HPE_OK) {
    s.fed += take;
    if (s.fed < s.policy.max_request_bytes) return {};
    s.refuse(431, "Request Header Fields Too Large", "request larger than " +
                                                          std::to_string(s.policy.max_request_bytes) + " bytes");
    s.result.consumed = s.fed;
  } else if (err == HPE_PAUSED_UPGRADE) {
    s.result.consumed = s.fed + static_cast<size_t>(llhttp_get_error_pos(&s.parser) - data);
    s.decide();
  } else {
    const char* pos = llhttp_get_error_pos(&s.parser);
    s.result.consumed = s.fed + (pos != nullptr ? static_cast<size_t>(pos - data) : in.size());
    s.refuse(400, "Bad Request", std::string("malformed HTTP request: ") + llhttp_get_error_reason(&s.parser));
  }
  s.done = true;
  return s.result;
}

std::string accept_key(std::string_view client_key) {
  std::string input(client_key);
  input.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace edgemq::ws
