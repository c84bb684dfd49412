// The body of POST /api/v1/publish from the publish command's options and a
// payload. Text that is well-formed UTF-8 goes as "payload_encoding":"text";
// anything else (an image, a protobuf read from stdin) as base64, so every
// byte arrives as given.
#pragma once

#include <string>
#include <string_view>

#include "gateway/ctl/invocation.h"

namespace edgemq::ctl {

// The JSON body, keys in the API's documented order; empty with `error` set
// when a string option is not UTF-8 (JSON cannot carry it).
std::string publish_body(const PublishSpec& spec, std::string_view payload, std::string& error);

// Fills the invocation's one request with publish_body; false with `error`.
bool set_payload(Invocation& invocation, std::string_view payload, std::string& error);

}  // namespace edgemq::ctl
