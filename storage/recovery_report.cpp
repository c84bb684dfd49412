#include "storage/recovery_report.h"

namespace edgemq::storage {

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string counted(uint64_t n, const char* one, const char* many) {
  return with_commas(n) + " " + (n == 1 ? one : many);
}

std::string describe(const LossCounts& c) {
  std::string out = counted(c.queued_messages, "queued message", "queued messages");
  auto add = [&](uint64_t n, const char* one, const char* many, const char* why) {
    if (n > 0) out += ", " + counted(n, one, many) + why;
  };
  add(c.acknowledgements, "acknowledgement", "acknowledgements", " (their messages are delivered again)");
  add(c.delivery_marks, "delivery mark", "delivery marks", " (their messages are resent as if unsent)");
  add(c.session_updates, "session update", "session updates", " (subscriptions as before)");
  add(c.session_removals, "session removal", "session removals", " (the sessions come back)");
  add(c.retained, "retained message change", "retained message changes", "");
  add(c.inbound_qos2, "inbound QoS 2 packet id", "inbound QoS 2 packet ids", "");
  add(c.other, "operation on an unknown column family", "operations on unknown column families", "");
  if (c.unreadable_bytes > 0) {
    out += "; unreadable, of unknown kind: " + counted(c.unreadable_bytes, "byte", "bytes");
    if (c.unreadable_records > 0) out += " (" + counted(c.unreadable_records, "damaged record", "damaged records") + ")";
    if (c.unreadable_operations > 0) out += " holding " + counted(c.unreadable_operations, "operation", "operations");
  }
  return out;
}

}  // namespace edgemq::storage
