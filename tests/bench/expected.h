// How many deliveries a run should produce: for every subscriber, every message
// sent by a publisher whose topic its filter matches. Filters and topics come
// from templates, so many are equal; grouping them keeps this linear for the
// 1:1, fan-in and fan-out scenarios even with tens of thousands of clients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgemq::bench {

struct PublisherSent {
  std::string topic;
  uint64_t sent = 0;
};

uint64_t expected_deliveries(const std::vector<std::string>& subscriber_filters,
                             const std::vector<PublisherSent>& publishers);

// `templ` with every "{i}" replaced by `index`.
std::string expand_template(const std::string& templ, uint32_t index);

}  // namespace edgemq::bench
