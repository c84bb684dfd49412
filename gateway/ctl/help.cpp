#include "gateway/ctl/help.h"

#include <utility>

#include "gateway/ctl/invocation.h"

namespace edgemq::ctl {

namespace {

constexpr const char* kPaging =
    "  --limit N              page size, 1..1000 (default 100)\n"
    "  --offset K             skip the first K (default 0)\n";

// name, usage and options
const std::pair<std::string_view, std::string_view> kCommands[] = {
    {"status",
     "Usage: edgemqctl status\n\n"
     "Health and counters: version, uptime, connections by transport and protocol,\n"
     "messages, drops, retained messages, store, memory. Exits 1 when the gateway\n"
     "reports itself degraded (a store write failed).\n"},
    {"metrics",
     "Usage: edgemqctl metrics\n\n"
     "The Prometheus page (GET /metrics) as the gateway writes it; --json changes nothing.\n"},
    {"clients",
     "Usage: edgemqctl clients [--prefix P] [--username U] [--transport T] [--state S]\n"
     "                         [--limit N] [--offset K]\n\n"
     "Connected clients and offline persistent sessions, by client id.\n"
     "  --prefix P             client ids starting with P\n"
     "  --username U           connected clients with exactly this username\n"
     "  --transport T          mqtt, ws, mqtts or wss\n"
     "  --state S              connected or offline (default: both)\n"},
    {"client",
     "Usage: edgemqctl client ID\n\n"
     "One client: its connection, its session and its subscriptions.\n"},
    {"kick",
     "Usage: edgemqctl kick ID [--session]\n\n"
     "Disconnects the client (a 5.0 client gets DISCONNECT 0x98, administrative\n"
     "action; its will goes out).\n"
     "  --session              end its session too, stored subscriptions and queued\n"
     "                         messages included (an offline session at once)\n"},
    {"subscriptions",
     "Usage: edgemqctl subscriptions [--client ID] [--filter F] [--group G] [--qos N]\n"
     "                               [--limit N] [--offset K]\n\n"
     "Subscriptions, by client id then filter.\n"
     "  --client ID            of this client only\n"
     "  --filter F             exactly this filter, as subscribed ($share/... included)\n"
     "  --group G              shared subscriptions of this group\n"
     "  --qos N                granted QoS 0, 1 or 2\n"},
    {"topics",
     "Usage: edgemqctl topics [--match TOPIC] [--limit N] [--offset K]\n\n"
     "Subscription counts per filter, in filter order.\n"
     "  --match TOPIC          only the filters a message on TOPIC reaches\n"},
    {"retained",
     "Usage: edgemqctl retained [--filter F] [--limit N] [--offset K]\n"
     "       edgemqctl retained get TOPIC\n"
     "       edgemqctl retained delete TOPIC\n\n"
     "Retained messages matching a filter (default #), in topic order; one topic's\n"
     "retained message; clearing it (subscribers get nothing).\n"
     "  --filter F             an MQTT topic filter, wildcards allowed\n"},
    {"publish",
     "Usage: edgemqctl publish TOPIC [PAYLOAD|-] [options]\n\n"
     "Publishes as a client would. PAYLOAD '-', or no PAYLOAD while standard input\n"
     "is a pipe or a file, reads standard input as is (a trailing newline included);\n"
     "no PAYLOAD on a terminal sends an empty message. Payloads that are not UTF-8\n"
     "go out base64-encoded and arrive byte for byte.\n"
     "  --qos N                0, 1 or 2 (default 0)\n"
     "  --retain               keep it as the topic's retained message\n"
     "  --base64               PAYLOAD (or stdin) is base64 already\n"
     "  --content-type T       MQTT 5 content type\n"
     "  --expiry S             message expiry interval, seconds\n"
     "  --response-topic T     MQTT 5 response topic\n"
     "  --correlation-data D   MQTT 5 correlation data\n"
     "  --user-property K=V    MQTT 5 user property; repeat for more\n"
     "  --format-indicator N   payload format indicator: 1 for UTF-8 text\n"},
};

}  // namespace

std::string general_help() {
  return "edgemqctl: a command-line client of edgemq's admin API (docs/edgemqctl.md)\n"
         "\n"
         "Usage: edgemqctl [options] COMMAND [ARGUMENTS] [command options]\n"
         "\n"
         "Commands:\n"
         "  status                     health and counters\n"
         "  metrics                    the Prometheus page\n"
         "  clients                    connected clients and offline sessions\n"
         "  client ID                  one client with its subscriptions\n"
         "  kick ID [--session]        disconnect a client (and end its session)\n"
         "  subscriptions              subscriptions, by client id then filter\n"
         "  topics                     subscription counts per filter\n"
         "  retained                   retained messages\n"
         "  retained get TOPIC         one topic's retained message\n"
         "  retained delete TOPIC      clear a topic's retained message\n"
         "  publish TOPIC [PAYLOAD|-]  publish a message\n"
         "\n"
         "Options, anywhere on the line:\n"
         "  --url URL       the admin endpoint (default " +
         std::string(kDefaultUrl) +
         ", or $EDGEMQ_ADMIN_URL)\n"
         "  --token T       bearer token (default $EDGEMQ_ADMIN_TOKEN)\n"
         "  --json          print the API's JSON, indented, instead of tables\n"
         "  --timeout S     seconds to wait for each answer (default 10)\n"
         "  -h, --help      this help; 'edgemqctl COMMAND --help' for a command's options\n"
         "  --version       edgemqctl's version\n"
         "\n"
         "Exit status: 0 done; 1 the gateway answered with an error; 2 a wrong command\n"
         "line; 3 no answer from the gateway (not reachable, timed out).\n";
}

std::string command_help(std::string_view command) {
  for (const auto& [name, text] : kCommands) {
    if (name != command) continue;
    std::string help(text);
    if (name == "clients" || name == "subscriptions" || name == "topics" || name == "retained") help += kPaging;
    return help;
  }
  return general_help();
}

std::string version_line() { return "edgemqctl " EDGEMQ_VERSION "\n"; }

}  // namespace edgemq::ctl
