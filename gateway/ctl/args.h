// edgemqctl's command line to an Invocation, without the network: global
// options (--url, --token, --json, --timeout; EDGEMQ_ADMIN_URL and
// EDGEMQ_ADMIN_TOKEN underneath) anywhere on the line, a command, its
// arguments and its options. Client ids, topics and query values are
// percent-encoded here.
//
// What is checked here is what a request cannot be made without: known
// commands and options, the number of arguments, whole numbers where the API
// takes numbers. Whether a value is in the API's domain (a transport name, a
// topic filter, limit 1..1000) is the gateway's to say, in its own words.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gateway/ctl/invocation.h"

namespace edgemq::ctl {

struct ParseResult {
  enum class Action : uint8_t { Run, Help, Version, Usage };
  Action action = Action::Usage;
  Invocation invocation;  // Run
  std::string text;       // Help: the help text; Usage: what is wrong
};

// getenv, or a fake one in tests.
using EnvLookup = std::function<const char*(const char*)>;

// `args` without argv[0]. `stdin_is_tty` decides whether publish without a
// payload reads standard input (a pipe or file) or sends an empty message.
ParseResult parse_args(const std::vector<std::string>& args, const EnvLookup& env, bool stdin_is_tty);

// "http://host:port[/prefix]" from what a user typed: "http://" added when
// there is no scheme, trailing slashes removed.
std::string normalize_url(std::string url);

}  // namespace edgemq::ctl
