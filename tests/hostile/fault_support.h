// What the fault cases share: a small filesystem of their own (a tmpfs the
// test mounts as root and unmounts), ballast files that fill it, windowed
// QoS 1 publishing that records which messages were acknowledged, and a
// persistent subscriber that collects what it is owed.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/raw_client.h"

namespace edgemq::itest {

// Whether this is the long run (EDGEMQ_HOSTILE_LONG set, tests/hostile/
// run_long.sh): cases then use the issue's own sizes instead of the
// suite's quicker ones.
bool hostile_long();

// A tmpfs of `bytes` at a fresh directory; unmounted (lazily if busy) and
// removed on destruction. ok() is false when mounting failed (not root).
class TmpfsMount {
 public:
  explicit TmpfsMount(uint64_t bytes);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool ok() const { return mounted_; }
  const std::string& path() const { return path_; }
  uint64_t free_bytes() const;

 private:
  std::string path_;
  bool mounted_ = false;
};

// Writes a file of zeros until the filesystem holding `path` has about
// `leave_free` bytes left (or it is full); returns bytes written.
uint64_t fill_with_ballast(const std::string& path, uint64_t leave_free);

// What a run of QoS 1 PUBLISHes came to: the payloads the gateway
// acknowledged (PUBACK below 0x80) and the first refusal.
struct PublishOutcome {
  std::set<std::string> acked;
  uint64_t refused = 0;       // PUBACKs with a reason code >= 0x80
  uint8_t first_refusal = 0;  // its reason code
  bool closed = false;        // the gateway closed the connection
};

// Publishes QoS 1 messages of `payload_bytes` to `topic` ("<prefix>-<n>"
// payloads, padded), up to `window` unacknowledged, until `count` are sent,
// the first refusal or a close; waits for the outstanding acks.
PublishOutcome publish_until_refused(RawClient& c, const std::string& topic, const std::string& prefix,
                                     uint64_t count, size_t payload_bytes, size_t window = 32);

// Connects `client_id` with clean session 0, acknowledges every PUBLISH
// that arrives until none has for `quiet`, and returns their payloads cut
// at the first '|' (the padding publish_until_refused adds).
std::multiset<std::string> drain_persistent(int port, const std::string& client_id,
                                            std::chrono::milliseconds quiet);

// GET `path` on 127.0.0.1:`admin_port` with curl: status and body.
std::pair<int, std::string> admin_get(int admin_port, const std::string& path);

}  // namespace edgemq::itest
