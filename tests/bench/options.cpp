#include "tests/bench/options.h"

#include <charconv>
#include <functional>
#include <map>

#include "protocols/mqtt/topic.h"
#include "tests/bench/expected.h"
#include "tests/bench/stamp.h"

namespace edgemq::bench {
namespace {

template <typename T>
bool parse_number(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

struct Parsed {
  Options o;
  uint32_t n = 0;
  std::string scenario;
  bool sub_qos_set = false;
  double total_rate = -1;
};

using Setter = std::function<bool(Parsed&, const std::string&)>;

template <typename T>
Setter number(T Options::*field) {
  return [field](Parsed& p, const std::string& v) { return parse_number(v, p.o.*field); };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"host", [](Parsed& p, const std::string& v) { p.o.host = v; return !v.empty(); }},
      {"port", number(&Options::port)},
      {"transport",
       [](Parsed& p, const std::string& v) {
         for (Transport t : {Transport::Tcp, Transport::Ws, Transport::Tls, Transport::Wss}) {
           if (v == transport_name(t)) {
             p.o.transport = t;
             return true;
           }
         }
         return false;
       }},
      {"ws-path", [](Parsed& p, const std::string& v) { p.o.ws_path = v; return !v.empty() && v[0] == '/'; }},
      {"cafile", [](Parsed& p, const std::string& v) { p.o.ca_file = v; return true; }},
      {"clients", [](Parsed& p, const std::string& v) { return parse_number(v, p.n); }},
      {"publishers", number(&Options::publishers)},
      {"subscribers", number(&Options::subscribers)},
      {"scenario", [](Parsed& p, const std::string& v) { p.scenario = v; return true; }},
      {"topic", [](Parsed& p, const std::string& v) { p.o.topic = v; return true; }},
      {"filter", [](Parsed& p, const std::string& v) { p.o.filter = v; return true; }},
      {"qos", number(&Options::qos)},
      {"sub-qos", [](Parsed& p, const std::string& v) { p.sub_qos_set = true; return parse_number(v, p.o.sub_qos); }},
      {"size", number(&Options::payload_size)},
      {"rate", number(&Options::rate)},
      {"total-rate", [](Parsed& p, const std::string& v) { return parse_number(v, p.total_rate); }},
      {"inflight", number(&Options::inflight)},
      {"ack-rate", number(&Options::ack_rate)},
      {"duration", number(&Options::duration_s)},
      {"hold", number(&Options::hold_s)},
      {"connect-rate", number(&Options::connect_rate)},
      {"connect-concurrency", number(&Options::connect_concurrency)},
      {"connect-timeout", number(&Options::connect_timeout_s)},
      {"keepalive", number(&Options::keepalive_s)},
      {"processes", number(&Options::processes)},
      {"sources", number(&Options::sources)},
      {"prefix", [](Parsed& p, const std::string& v) { p.o.prefix = v; return true; }},
      {"broker-pid", number(&Options::broker_pid)},
      {"drain", number(&Options::drain_s)},
  };
  return table;
}

const std::map<char, std::string> kShort = {
    {'h', "host"}, {'p', "port"}, {'n', "clients"}, {'t', "topic"}, {'f', "filter"},
    {'q', "qos"},  {'s', "size"}, {'r', "rate"},    {'d', "duration"}, {'R', "connect-rate"},
};

bool fail(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

// Fills in what a scenario or a mode implies and checks the whole.
bool finish(Parsed& p, std::string& error) {
  Options& o = p.o;
  if (!p.scenario.empty()) {
    if (o.mode != Mode::PubSub) return fail(error, "--scenario needs the pubsub mode");
    if (p.n == 0) return fail(error, "--scenario needs --clients N");
    if (p.scenario == "pairs") {
      o.publishers = o.subscribers = p.n;
      o.topic = o.filter = "bench/{i}";
    } else if (p.scenario == "fanin") {
      o.publishers = p.n, o.subscribers = 1;
      o.topic = "bench/in/{i}", o.filter = "bench/in/+";
    } else if (p.scenario == "fanout") {
      o.publishers = 1, o.subscribers = p.n;
      o.topic = o.filter = "bench/out";
    } else {
      return fail(error, "unknown scenario '" + p.scenario + "' (pairs, fanin, fanout)");
    }
  } else if (p.n != 0) {
    if (o.mode == Mode::Conn) o.connections = p.n;
    if (o.mode == Mode::Pub) o.publishers = p.n;
    if (o.mode == Mode::Sub) o.subscribers = p.n;
    if (o.mode == Mode::PubSub) o.publishers = o.subscribers = p.n;
  }
  if (o.mode == Mode::Conn) o.publishers = o.subscribers = 0;
  if (o.mode == Mode::Pub) o.subscribers = 0;
  if (o.mode == Mode::Sub) o.publishers = 0;
  if (o.mode != Mode::Conn) o.connections = 0;
  if (o.total_clients() == 0) return fail(error, "no clients: give --clients N");
  if (o.qos > 2) return fail(error, "--qos must be 0, 1 or 2");
  if (!p.sub_qos_set) o.sub_qos = o.qos;
  if (o.sub_qos > 2) return fail(error, "--sub-qos must be 0, 1 or 2");
  if (o.payload_size < kStampSize) o.payload_size = kStampSize;
  if (o.inflight == 0 || o.inflight > 65535) return fail(error, "--inflight must be 1..65535");
  if (p.total_rate >= 0 && o.publishers > 0) o.rate = p.total_rate / o.publishers;
  if (o.duration_s <= 0 && o.mode != Mode::Conn) return fail(error, "--duration must be positive");
  if (o.connect_concurrency == 0) return fail(error, "--connect-concurrency must be positive");
  if (o.publishers > 0 && (!mqtt::valid_topic_name(expand_template(o.topic, 0))))
    return fail(error, "--topic is not a valid topic name");
  return true;
}

}  // namespace

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Conn: return "conn";
    case Mode::Pub: return "pub";
    case Mode::Sub: return "sub";
    case Mode::PubSub: return "pubsub";
  }
  return "?";
}

const char* transport_name(Transport t) {
  switch (t) {
    case Transport::Tcp: return "tcp";
    case Transport::Ws: return "ws";
    case Transport::Tls: return "tls";
    case Transport::Wss: return "wss";
  }
  return "?";
}

bool uses_tls(Transport t) { return t == Transport::Tls || t == Transport::Wss; }
bool uses_websocket(Transport t) { return t == Transport::Ws || t == Transport::Wss; }

std::optional<Options> parse_options(const std::vector<std::string>& args, std::string& error) {
  error.clear();
  auto bad = [&error](std::string message) -> std::optional<Options> {
    error = std::move(message);
    return std::nullopt;
  };
  if (args.empty()) return bad("give a mode: conn, pub, sub or pubsub");
  Parsed p;
  const std::map<std::string, Mode> modes = {
      {"conn", Mode::Conn}, {"pub", Mode::Pub}, {"sub", Mode::Sub}, {"pubsub", Mode::PubSub}};
  size_t i = 0;
  if (args[0] == "--help" || args[0] == "help") return std::nullopt;
  const auto mode = modes.find(args[0]);
  if (mode == modes.end()) return bad("unknown mode '" + args[0] + "'");
  p.o.mode = mode->second;
  for (i = 1; i < args.size(); ++i) {
    std::string key = args[i];
    std::string value;
    if (key == "--help") return std::nullopt;
    if (key == "--persistent") { p.o.persistent = true; continue; }
    if (key == "--quiet") { p.o.quiet = true; continue; }
    if (key.size() == 2 && key[0] == '-' && kShort.count(key[1])) {
      key = kShort.at(key[1]);
    } else if (key.rfind("--", 0) == 0) {
      key = key.substr(2);
      const auto eq = key.find('=');
      if (eq != std::string::npos) value = key.substr(eq + 1), key = key.substr(0, eq);
    } else {
      return bad("unexpected argument '" + key + "'");
    }
    const auto setter = setters().find(key);
    if (setter == setters().end()) return bad("unknown option --" + key);
    if (value.empty()) {
      if (i + 1 >= args.size()) return bad("--" + key + " needs a value");
      value = args[++i];
    }
    if (!setter->second(p, value)) return bad("bad value for --" + key + ": '" + value + "'");
  }
  if (!finish(p, error)) return std::nullopt;
  return p.o;
}

std::string usage() {
  return R"(edgemq-bench: MQTT 3.1.1 load generator (docs/benchmarks.md)

usage: edgemq-bench conn|pub|sub|pubsub [options]

  conn     open --clients connections, hold them idle for --hold seconds
  pub      --clients publishers
  sub      --clients subscribers (loss is not known without the publishers)
  pubsub   publishers and subscribers in one run; loss, duplicates and
           reordering are counted per publisher stream

  -h, --host HOST              broker address (127.0.0.1)
  -p, --port PORT              broker port (1883)
      --transport tcp|ws|tls|wss   what the clients speak below MQTT (tcp)
      --ws-path PATH           WebSocket resource (/mqtt)
      --cafile FILE            TLS: verify the broker's certificate against it (default: not verified)
  -n, --clients N              clients of the mode; pubsub: N publishers and N subscribers
      --publishers N           pubsub: publishers
      --subscribers N          pubsub: subscribers
      --scenario NAME          pubsub shorthand with -n N: pairs (N 1:1 pairs on bench/{i}),
                               fanin (N publishers, one bench/in/+ subscriber),
                               fanout (one publisher, N subscribers of bench/out)
  -t, --topic TEMPLATE         publish topic, {i} = publisher index (bench/{i})
  -f, --filter TEMPLATE        subscription, {i} = subscriber index (bench/{i})
  -q, --qos 0|1|2              publish QoS (0)
      --sub-qos 0|1|2          subscription QoS (same as --qos)
  -s, --size BYTES             payload size, at least 16 (64)
  -r, --rate MSG/S             per publisher; 0 = as fast as the broker takes them (0)
      --total-rate MSG/S       across all publishers (instead of --rate)
      --inflight N             QoS 1/2 messages awaiting an ack, per publisher (32)
      --ack-rate MSG/S         per subscriber: acknowledge QoS 1/2 messages at most this fast,
                               a slow consumer; 0 = at once (0)
  -d, --duration SEC           publishing time (10)
      --hold SEC               conn: how long the connections stay open (5)
  -R, --connect-rate N         new connections per second in all; 0 = no limit (0)
      --connect-concurrency N  handshakes in progress at once, in all (200)
      --connect-timeout SEC    clients not connected by then count as failed (30)
      --keepalive SEC          MQTT keep-alive; PINGREQ at half of it (300)
      --persistent             subscribers connect with clean session 0
      --processes N            load processes; 0 = one per 15,000 clients (0)
      --sources N              source addresses 127.0.0.1..N on loopback;
                               0 = one per 10,000 clients (0)
      --prefix STR             client id prefix (eb<pid>)
      --broker-pid PID         read the broker's RSS and CPU time from /proc
      --drain SEC              after publishing, wait until nothing arrived for this long (1)
      --quiet                  no progress lines

Progress goes to stderr once a second; the summary to stdout, its last line
one JSON object for scripts.
)";
}

}  // namespace edgemq::bench
