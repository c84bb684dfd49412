// Helpers shared by the storage tests: a temporary directory per test and
// loaders that collect a store's contents into vectors.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "storage/rocks_store.h"
#include "storage/store.h"

namespace edgemq::storage::test {

// A fresh directory, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "edgemq-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Small enough that a few thousand records flush to table files and compact,
// so the tests cover SSTs and range tombstones, not only the memtable.
inline RocksTuning tiny_tuning() {
  RocksTuning t;
  t.write_buffer_bytes = 64 << 10;
  t.total_write_buffer_bytes = 256 << 10;
  t.block_cache_bytes = 1 << 20;
  return t;
}

inline std::unique_ptr<Store> open_tiny(const std::string& dir) {
  Status s;
  std::unique_ptr<Store> store = open_rocks_store(dir, tiny_tuning(), s);
  EXPECT_TRUE(s.ok) << s.message;
  EXPECT_NE(store, nullptr);
  return store;
}

struct Loaded {
  std::vector<RetainedMessage> retained;
  std::vector<SessionRecord> sessions;
  std::vector<std::pair<std::string, QueuedMessage>> queued;
  Status retained_status, sessions_status, queue_status;
};

inline Loaded load_all(Store& store) {
  Loaded l;
  l.retained_status =
      store.load_retained([&](RetainedMessage&& m) { l.retained.push_back(std::move(m)); });
  l.sessions_status =
      store.load_sessions([&](SessionRecord&& s) { l.sessions.push_back(std::move(s)); });
  l.queue_status = store.load_queues([&](std::string_view client, QueuedMessage&& m) {
    l.queued.emplace_back(std::string(client), std::move(m));
  });
  return l;
}

inline Status apply(Store& store, const WriteSet& ws, bool sync = false) {
  return store.apply(ws, sync);
}

inline QueuedMessage queued(uint64_t seq, std::string topic, std::string payload = "p",
                            uint8_t qos = 1) {
  QueuedMessage m;
  m.seq = seq;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = qos;
  return m;
}

}  // namespace edgemq::storage::test

namespace edgemq::storage {

// Field-wise equality so that EXPECT_EQ prints both sides on failure.
inline bool operator==(const RetainedMessage& a, const RetainedMessage& b) {
  return a.topic == b.topic && a.payload == b.payload && a.qos == b.qos && a.properties == b.properties &&
         a.expires_at_ms == b.expires_at_ms;
}
inline bool operator==(const SubscriptionRecord& a, const SubscriptionRecord& b) {
  return a.filter == b.filter && a.qos == b.qos && a.no_local == b.no_local &&
         a.retain_as_published == b.retain_as_published && a.subscription_id == b.subscription_id;
}
inline bool operator==(const SessionRecord& a, const SessionRecord& b) {
  return a.client_id == b.client_id && a.subscriptions == b.subscriptions && a.expiry_s == b.expiry_s &&
         a.expires_at_s == b.expires_at_s;
}
inline bool operator==(const QueuedMessage& a, const QueuedMessage& b) {
  return a.seq == b.seq && a.topic == b.topic && a.payload == b.payload && a.qos == b.qos &&
         a.retain == b.retain && a.packet_id == b.packet_id && a.state == b.state &&
         a.properties == b.properties && a.expires_at_ms == b.expires_at_ms && a.shared_filter == b.shared_filter;
}
inline void PrintTo(const RetainedMessage& m, std::ostream* os) {
  *os << "{topic=" << m.topic << " qos=" << int(m.qos) << " payload=" << m.payload.size() << "B}";
}
inline void PrintTo(const QueuedMessage& m, std::ostream* os) {
  *os << "{seq=" << m.seq << " topic=" << m.topic << " qos=" << int(m.qos)
      << " retain=" << m.retain << " packet_id=" << m.packet_id << " state=" << int(m.state)
      << " payload=" << m.payload.size() << "B}";
}
inline void PrintTo(const SessionRecord& s, std::ostream* os) {
  *os << "{client=" << s.client_id << " subs=" << s.subscriptions.size() << "}";
}

}  // namespace edgemq::storage
