#include "gateway/ctl/args.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "gateway/ctl/encoding.h"
#include "gateway/ctl/help.h"
#include "gateway/ctl/publish.h"

namespace edgemq::ctl {

namespace {

struct OptionSpec {
  std::string_view name;
  bool takes_value;
};

struct CommandSpec {
  std::string_view name;
  size_t min_args;
  size_t max_args;
  std::vector<OptionSpec> options;
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> specs = {
      {"status", 0, 0, {}},
      {"metrics", 0, 0, {}},
      {"clients",
       0,
       0,
       {{"--prefix", true},
        {"--username", true},
        {"--transport", true},
        {"--state", true},
        {"--limit", true},
        {"--offset", true}}},
      {"client", 1, 1, {}},
      {"kick", 1, 1, {{"--session", false}}},
      {"subscriptions",
       0,
       0,
       {{"--client", true}, {"--filter", true}, {"--group", true}, {"--qos", true}, {"--limit", true},
        {"--offset", true}}},
      {"topics", 0, 0, {{"--match", true}, {"--limit", true}, {"--offset", true}}},
      // retained [get|delete TOPIC]: the list options apply to the list only.
      {"retained", 0, 2, {{"--filter", true}, {"--limit", true}, {"--offset", true}}},
      {"publish",
       1,
       2,
       {{"--qos", true},
        {"--retain", false},
        {"--base64", false},
        {"--content-type", true},
        {"--expiry", true},
        {"--response-topic", true},
        {"--correlation-data", true},
        {"--user-property", true},
        {"--format-indicator", true}}},
  };
  return specs;
}

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const OptionSpec* find_option(const CommandSpec& c, std::string_view name) {
  for (const OptionSpec& o : c.options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

// A command's options as given: name and value ("" for a flag), in order.
class Options {
 public:
  void add(std::string name, std::string value) { given_.emplace_back(std::move(name), std::move(value)); }
  // The last value given for `name`.
  std::optional<std::string> last(std::string_view name) const {
    std::optional<std::string> v;
    for (const auto& [n, value] : given_) {
      if (n == name) v = value;
    }
    return v;
  }
  bool has(std::string_view name) const { return last(name).has_value(); }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> v;
    for (const auto& [n, value] : given_) {
      if (n == name) v.push_back(value);
    }
    return v;
  }
  const std::vector<std::pair<std::string, std::string>>& given() const { return given_; }

 private:
  std::vector<std::pair<std::string, std::string>> given_;
};

// A parse that failed with a message for the user.
struct UsageError {
  std::string message;
};

std::optional<uint64_t> whole_number(std::string_view s) {
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

uint64_t number_option(const Options& o, std::string_view name, uint64_t max) {
  const std::string v = *o.last(name);
  const auto n = whole_number(v);
  if (!n || *n > max) {
    throw UsageError{std::string(name) + " takes a whole number" +
                     (max < UINT64_MAX ? " from 0 to " + std::to_string(max) : std::string()) + ", not '" + v + "'"};
  }
  return *n;
}

// path?key=value&... with the values percent-encoded, for the options given.
class Target {
 public:
  explicit Target(std::string path) : target_(std::move(path)) {}
  void param(std::string_view key, const std::string& value) {
    target_ += first_ ? '?' : '&';
    first_ = false;
    target_ += std::string(key) + "=" + url_escape(value);
  }
  // `option`'s last value as query parameter `key`, when given.
  void param_from(const Options& o, std::string_view option, std::string_view key) {
    if (const auto v = o.last(option)) param(key, *v);
  }
  // limit and offset, checked as whole numbers (the range is the gateway's).
  void paging_from(const Options& o) {
    for (const std::string_view p : {"limit", "offset"}) {
      const std::string option = "--" + std::string(p);
      if (o.has(option)) param(p, std::to_string(number_option(o, option, UINT64_MAX)));
    }
  }
  std::string str() const { return target_; }

 private:
  std::string target_;
  bool first_ = true;
};

std::string path_segment(const std::string& base, const std::string& value, std::string_view what) {
  if (value.empty()) throw UsageError{std::string(what) + " is empty"};
  return base + url_escape(value);
}

void build_publish(Invocation& inv, const std::vector<std::string>& args, const Options& o, bool stdin_is_tty) {
  PublishSpec& p = inv.publish;
  p.topic = args[0];
  if (p.topic.empty()) throw UsageError{"the topic is empty"};
  if (o.has("--qos")) p.qos = static_cast<int>(number_option(o, "--qos", 2));
  p.retain = o.has("--retain");
  p.base64 = o.has("--base64");
  if (o.has("--format-indicator")) p.format_indicator = static_cast<int>(number_option(o, "--format-indicator", 1));
  if (o.has("--expiry")) p.expiry_s = number_option(o, "--expiry", UINT32_MAX);
  p.content_type = o.last("--content-type");
  p.response_topic = o.last("--response-topic");
  p.correlation_data = o.last("--correlation-data");
  for (const std::string& kv : o.all("--user-property")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError{"--user-property takes KEY=VALUE, not '" + kv + "'"};
    std::string key = kv.substr(0, eq);
    const bool repeated = std::any_of(p.user_properties.begin(), p.user_properties.end(),
                                      [&](const auto& prop) { return prop.first == key; });
    // The API takes user properties as a JSON object: one value per key.
    if (repeated) throw UsageError{"--user-property " + key + " is given twice; the API takes each key once"};
    p.user_properties.emplace_back(std::move(key), kv.substr(eq + 1));
  }

  const bool from_stdin = args.size() == 2 ? args[1] == "-" : !stdin_is_tty;
  if (from_stdin) {
    inv.payload_from = PayloadFrom::Stdin;
    inv.requests.assign(1, Request{"POST", "/api/v1/publish", {}});  // the body once stdin is read
    return;
  }
  std::string error;
  if (!set_payload(inv, args.size() == 2 ? args[1] : std::string(), error)) throw UsageError{error};
}

void build_retained(Invocation& inv, const std::vector<std::string>& args, const Options& o) {
  if (args.empty()) {
    inv.view = View::RetainedList;
    Target t("/api/v1/retained");
    t.param_from(o, "--filter", "filter");
    t.paging_from(o);
    inv.requests.push_back({"GET", t.str(), {}});
    return;
  }
  const std::string& sub = args[0];
  if (sub != "get" && sub != "delete") {
    throw UsageError{"retained takes 'get TOPIC' or 'delete TOPIC', or lists with --filter, not '" + sub + "'"};
  }
  if (args.size() != 2) throw UsageError{"retained " + sub + " takes one TOPIC"};
  if (!o.given().empty()) throw UsageError{"retained " + sub + " takes no " + o.given().front().first};
  const std::string target = path_segment("/api/v1/retained/", args[1], "the topic");
  if (sub == "get") {
    inv.view = View::RetainedGet;
    inv.requests.push_back({"GET", target, {}});
  } else {
    inv.view = View::RetainedDelete;
    inv.requests.push_back({"DELETE", target, {}});
  }
}

void build(Invocation& inv, const CommandSpec& c, const std::vector<std::string>& args, const Options& o,
           bool stdin_is_tty) {
  const std::string_view name = c.name;
  if (name == "status") {
    inv.view = View::Status;
    inv.requests = {{"GET", "/api/v1/health", {}}, {"GET", "/api/v1/stats", {}}};
  } else if (name == "metrics") {
    inv.view = View::Metrics;
    inv.requests = {{"GET", "/metrics", {}}};
  } else if (name == "clients") {
    inv.view = View::Clients;
    Target t("/api/v1/clients");
    t.param_from(o, "--prefix", "id_prefix");
    t.param_from(o, "--username", "username");
    t.param_from(o, "--transport", "transport");
    t.param_from(o, "--state", "state");
    t.paging_from(o);
    inv.requests = {{"GET", t.str(), {}}};
  } else if (name == "client") {
    inv.view = View::Client;
    inv.requests = {{"GET", path_segment("/api/v1/clients/", args[0], "the client id"), {}}};
  } else if (name == "kick") {
    inv.view = View::Kick;
    Target t(path_segment("/api/v1/clients/", args[0], "the client id"));
    if (o.has("--session")) t.param("session", "true");
    inv.requests = {{"DELETE", t.str(), {}}};
  } else if (name == "subscriptions") {
    inv.view = View::Subscriptions;
    Target t("/api/v1/subscriptions");
    t.param_from(o, "--client", "client_id");
    t.param_from(o, "--filter", "filter");
    t.param_from(o, "--group", "share_group");
    if (o.has("--qos")) t.param("qos", std::to_string(number_option(o, "--qos", 2)));
    t.paging_from(o);
    inv.requests = {{"GET", t.str(), {}}};
  } else if (name == "topics") {
    inv.view = View::Topics;
    Target t("/api/v1/topics");
    t.param_from(o, "--match", "match");
    t.paging_from(o);
    inv.requests = {{"GET", t.str(), {}}};
  } else if (name == "retained") {
    build_retained(inv, args, o);
  } else {
    inv.view = View::Publish;
    build_publish(inv, args, o, stdin_is_tty);
  }
}

std::string arguments_expected(const CommandSpec& c) {
  if (c.name == "client" || c.name == "kick") return std::string(c.name) + " takes one client ID";
  if (c.name == "publish") return "publish takes a TOPIC and at most one PAYLOAD (or '-' for stdin)";
  if (c.name == "retained") return "retained takes 'get TOPIC', 'delete TOPIC' or nothing (a list)";
  return std::string(c.name) + " takes no arguments";
}

bool is_global_with_value(std::string_view name) {
  return name == "--url" || name == "--token" || name == "--timeout";
}

void set_global(Globals& g, std::string_view name, const std::string& value) {
  if (name == "--url") {
    g.url = normalize_url(value);
    if (g.url.empty()) throw UsageError{"--url is empty"};
  } else if (name == "--token") {
    g.token = value;
  } else {
    double s = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !std::isfinite(s) || s <= 0) {
      throw UsageError{"--timeout takes a number of seconds above 0, not '" + value + "'"};
    }
    g.timeout_s = s;
  }
}

ParseResult parse(const std::vector<std::string>& args, const EnvLookup& env, bool stdin_is_tty) {
  ParseResult result;
  Invocation& inv = result.invocation;
  if (const char* url = env("EDGEMQ_ADMIN_URL"); url != nullptr && *url != '\0') {
    inv.globals.url = normalize_url(url);
  }
  if (const char* token = env("EDGEMQ_ADMIN_TOKEN"); token != nullptr) inv.globals.token = token;

  const CommandSpec* command = nullptr;
  std::vector<std::string> positional;
  Options options;
  bool help = false, version = false, options_end = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!options_end && arg == "--") {
      options_end = true;
      continue;
    }
    // "-" alone is a payload from stdin; "-3.5" a payload too (no option starts with a digit).
    const bool negative_number =
        arg.size() >= 2 && arg[0] == '-' && (std::isdigit(static_cast<unsigned char>(arg[1])) != 0 || arg[1] == '.');
    if (options_end || arg.size() < 2 || arg[0] != '-' || negative_number) {
      if (command != nullptr) {
        positional.push_back(arg);
      } else if ((command = find_command(arg)) == nullptr) {
        throw UsageError{"unknown command '" + arg + "'"};
      }
      continue;
    }
    // --name=value or --name value
    const size_t eq = arg.starts_with("--") ? arg.find('=') : std::string::npos;
    const std::string name = arg.substr(0, eq);
    const std::optional<std::string> inline_value =
        eq == std::string::npos ? std::nullopt : std::optional<std::string>(arg.substr(eq + 1));
    const OptionSpec* spec = command != nullptr ? find_option(*command, name) : nullptr;
    const bool global_flag = name == "-h" || name == "--help" || name == "--version" || name == "--json";
    const bool takes_value = is_global_with_value(name) || (spec != nullptr && spec->takes_value);
    if (!global_flag && !is_global_with_value(name) && spec == nullptr) {
      if (command == nullptr) throw UsageError{"unknown option " + name};
      throw UsageError{std::string(command->name) + " has no option " + name};
    }
    if (!takes_value && inline_value) throw UsageError{name + " takes no value"};
    std::string value;
    if (takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        throw UsageError{name + " needs a value"};
      }
    }
    if (name == "-h" || name == "--help") {
      help = true;
    } else if (name == "--version") {
      version = true;
    } else if (name == "--json") {
      inv.globals.json = true;
    } else if (is_global_with_value(name)) {
      set_global(inv.globals, name, value);
    } else {
      options.add(name, value);
    }
  }

  if (help) {
    result.action = ParseResult::Action::Help;
    result.text = command != nullptr ? command_help(command->name) : general_help();
    return result;
  }
  if (version) {
    result.action = ParseResult::Action::Version;
    result.text = version_line();
    return result;
  }
  if (command == nullptr) throw UsageError{"no command given"};
  // A token goes into a header line: a line break in it would add headers.
  if (std::any_of(inv.globals.token.begin(), inv.globals.token.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    throw UsageError{"the token holds control characters"};
  }
  if (positional.size() < command->min_args || positional.size() > command->max_args) {
    throw UsageError{arguments_expected(*command)};
  }
  build(inv, *command, positional, options, stdin_is_tty);
  result.action = ParseResult::Action::Run;
  return result;
}

}  // namespace

std::string normalize_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.empty() && url.find("://") == std::string::npos) url = "http://" + url;
  return url;
}

ParseResult parse_args(const std::vector<std::string>& args, const EnvLookup& env, bool stdin_is_tty) {
  try {
    return parse(args, env, stdin_is_tty);
  } catch (const UsageError& e) {
    ParseResult r;
    r.action = ParseResult::Action::Usage;
    r.text = e.message;
    return r;
  }
}

}  // namespace edgemq::ctl
