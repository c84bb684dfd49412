// Byte-level helpers edgemqctl needs to build requests: percent-encoding of
// path segments and query values, base64 for binary payloads, and the UTF-8
// check that decides between the two payload encodings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgemq::ctl {

// Every byte but ALPHA / DIGIT / "-._~" as %XX (curl_easy_escape), so a
// client id or topic holding '/', '?', '#', '%', '+' or ' ' stays one path
// segment or one query value.
std::string url_escape(std::string_view s);

// Standard base64 with padding (RFC 4648 section 4), as the API's
// "payload_encoding":"base64" expects.
std::string base64_encode(std::string_view bytes);

// Decodes the code point at s[i] and moves i past it; false (and i
// unchanged) for a byte that does not start a well-formed sequence.
bool next_code_point(std::string_view s, size_t& i, uint32_t& cp);

// Well-formed UTF-8: no overlong forms, no surrogates, nothing past
// U+10FFFF. What is not goes out as base64.
bool valid_utf8(std::string_view s);

// `s` without ASCII blanks (spaces, tabs, newlines): base64 as `base64`
// prints it, wrapped at 76 columns, or as `echo` ends it.
std::string strip_blanks(std::string_view s);

}  // namespace edgemq::ctl
