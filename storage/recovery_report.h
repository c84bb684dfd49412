// What opening the store did about a damaged write-ahead log, for the app to
// log and print: the recovery modes, and the report with its counts.
// (docs/architecture.md, "Recovery", says why the modes are what they are.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgemq::storage {

enum class WalRecovery : uint8_t {
  // Start only from an intact log. A torn last record of the newest log (a
  // write cut short by a crash) is cut off with a warning; any other damage
  // that would lose something refuses, naming the file, the offset and the
  // way out.
  Strict,
  // Skip damaged records, and the intact ones RocksDB drops with them, and
  // report exactly what they held (`edgemq salvage`).
  Salvage,
};

// What lost WAL records held, counted by what it means to MQTT users.
struct LossCounts {
  uint64_t records = 0;             // whole WAL records (write batches) lost
  uint64_t bytes = 0;               // their size in the log
  uint64_t queued_messages = 0;     // QoS 1/2 messages owed to a session: gone
  uint64_t acknowledgements = 0;    // a subscriber's PUBACK/PUBCOMP: that message is delivered again
  uint64_t delivery_marks = 0;      // "sent" / "PUBREC received" marks: resent as before the mark
  uint64_t session_updates = 0;     // a persistent session's subscriptions or expiry
  uint64_t session_removals = 0;    // a session ended: it comes back, with what was queued for it
  uint64_t retained = 0;            // a retained message set or cleared
  uint64_t inbound_qos2 = 0;        // a QoS 2 packet id stored or released
  uint64_t other = 0;               // operations on families edgemq does not know
  uint64_t unverified_records = 0;  // counted above from bytes whose checksum failed
  uint64_t unreadable_records = 0;  // lost records that do not decode: kinds unknown
  uint64_t unreadable_bytes = 0;    // their bytes, and bytes where no record was found
  uint64_t unreadable_operations = 0;  // operations in those, from the sequence-number gap

  // Nothing anyone would miss (meta marks aside, which are recomputed).
  bool nothing_lost() const {
    return queued_messages + acknowledgements + delivery_marks + session_updates + session_removals +
               retained + inbound_qos2 + other + unreadable_records + unreadable_bytes ==
           0;
  }
};

// "1,234 queued messages, 2 acknowledgements (their messages are delivered
// again), ..." — every kind that is not zero, queued messages always.
std::string describe(const LossCounts& c);
// 1234567 -> "1,234,567".
std::string with_commas(uint64_t n);
// "1 record", "2 records", with commas.
std::string counted(uint64_t n, const char* one, const char* many);

struct RecoveryReport {
  std::vector<std::string> refusal;   // Strict: why the store was not opened, one line each
  std::vector<std::string> warnings;  // what was tolerated (a torn record cut off), one line each
  std::vector<std::string> salvage;   // Salvage: what was dropped and where, one line each
  LossCounts dropped;                 // Salvage: the same, in numbers
};

}  // namespace edgemq::storage
