// The admin API's JSON answers as text for a terminal: tables for lists,
// aligned key-value lines for one thing, a sentence for an action. Pure
// functions of the JSON; fields a gateway does not send (an older one, or
// an offline client's connection fields) show as "-", never as an error.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace edgemq::ctl {

using Json = nlohmann::ordered_json;  // keeps the API's key order for --json

std::string render_status(const Json& health, const Json& stats);
std::string render_clients(const Json& page);
std::string render_client(const Json& client);
std::string render_kicked(const Json& answer);
std::string render_subscriptions(const Json& page);
std::string render_topics(const Json& page);
std::string render_retained_list(const Json& page);
std::string render_retained(const Json& item);
std::string render_retained_deleted(const Json& answer);
std::string render_published(const Json& answer);

// "total 12, showing 1..10" under a page; "total 0" for none; "total 5,
// none from offset 10" past the end.
std::string page_footer(const Json& page);

}  // namespace edgemq::ctl
