#include "tests/bench/worker_report.h"

#include <algorithm>
#include <sstream>

namespace edgemq::bench {

std::string WorkerReport::serialize() const {
  std::ostringstream out;
  out << "counts " << connected << ' ' << failed << ' ' << dropped << ' ' << first_connect_ns << ' '
      << last_ready_ns << ' ' << sent << ' ' << acked << ' ' << received << ' ' << last_receive_ns
      << '\n';
  out << "streams " << streams.distinct << ' ' << streams.duplicates << ' ' << streams.reordered << ' '
      << streams.streams << '\n';
  out << "latency " << latency.serialize() << '\n';
  out << "ack_latency " << ack_latency.serialize() << '\n';
  for (const auto& [index, count] : sent_by_publisher) out << "sent " << index << ' ' << count << '\n';
  for (const auto& [what, count] : errors) out << "error " << count << ' ' << what << '\n';
  out << "end\n";
  return out.str();
}

bool WorkerReport::parse_line(const std::string& line, std::string& error) {
  std::istringstream in(line);
  std::string kind;
  in >> kind;
  bool ok = true;
  if (kind == "counts") {
    ok = static_cast<bool>(in >> connected >> failed >> dropped >> first_connect_ns >> last_ready_ns >>
                           sent >> acked >> received >> last_receive_ns);
  } else if (kind == "streams") {
    ok = static_cast<bool>(in >> streams.distinct >> streams.duplicates >> streams.reordered >>
                           streams.streams);
  } else if (kind == "latency") {
    std::string rest;
    std::getline(in, rest);
    ok = latency.parse(rest);
  } else if (kind == "ack_latency") {
    std::string rest;
    std::getline(in, rest);
    ok = ack_latency.parse(rest);
  } else if (kind == "sent") {
    uint32_t index = 0;
    uint64_t count = 0;
    ok = static_cast<bool>(in >> index >> count);
    if (ok) sent_by_publisher.emplace_back(index, count);
  } else if (kind == "error") {
    uint64_t count = 0;
    std::string what;
    ok = static_cast<bool>(in >> count);
    std::getline(in >> std::ws, what);
    if (ok) errors[what] += count;
  } else if (kind == "end") {
    return true;
  } else {
    ok = false;
  }
  if (!ok) error = "unreadable report line: " + line;
  return false;
}

void WorkerReport::merge(const WorkerReport& o) {
  connected += o.connected;
  failed += o.failed;
  dropped += o.dropped;
  if (o.first_connect_ns != 0) {
    first_connect_ns = first_connect_ns == 0 ? o.first_connect_ns : std::min(first_connect_ns, o.first_connect_ns);
  }
  last_ready_ns = std::max(last_ready_ns, o.last_ready_ns);
  sent += o.sent;
  acked += o.acked;
  received += o.received;
  last_receive_ns = std::max(last_receive_ns, o.last_receive_ns);
  streams.add(o.streams);
  latency.merge(o.latency);
  ack_latency.merge(o.ack_latency);
  sent_by_publisher.insert(sent_by_publisher.end(), o.sent_by_publisher.begin(), o.sent_by_publisher.end());
  for (const auto& [what, count] : o.errors) errors[what] += count;
}

void WorkerReport::note_error(const std::string& what) {
  const auto it = errors.find(what);
  if (it != errors.end()) {
    ++it->second;
  } else if (errors.size() < kMaxErrorKinds) {
    errors.emplace(what, 1);
  }
}

}  // namespace edgemq::bench
