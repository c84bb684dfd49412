// What edgemq must not forget, and the interface to where it is kept.
//
// Four kinds of record, each in its own column family (see keys.h for the
// key layouts and records.h for the versioned msgpack values):
//   retained  topic                        -> the retained message
//   sessions  client id                    -> a persistent session's subscriptions
//   queue     client id \0 seq (8 bytes BE) -> one QoS 1/2 message owed to that session
//   inbound   client id \0 id (2 bytes BE)  -> a QoS 2 packet id received, PUBREL not yet
// A WriteSet is one logical operation and is applied atomically. The store
// never sees a socket or an event loop; who waits for a commit is the caller's
// business (GroupCommitter takes a completion callback).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace edgemq::storage {

struct Status {
  bool ok = true;
  std::string message;
  // The filesystem had no room for the write (ENOSPC): a client may be told
  // "quota exceeded" rather than "unspecified error".
  bool no_space = false;
  static Status Ok() { return {}; }
  static Status Error(std::string m) { return {false, std::move(m)}; }
  static Status NoSpace(std::string m) { return {false, std::move(m), true}; }
};

// Fixed order: it is the column-family order on disk, append only.
enum class Family : uint8_t { Retained = 0, Sessions = 1, Queue = 2, Meta = 3, Inbound = 4 };
inline constexpr int kFamilyCount = 5;

// MQTT 5 message properties travel through the store as an opaque MQTT
// property block (the codec's encode_property_block); empty for none.
struct RetainedMessage {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;
  std::string properties{};
  uint64_t expires_at_ms = 0;  // wall clock; 0: never
};

struct SubscriptionRecord {
  std::string filter;
  uint8_t qos = 0;
  // MQTT 5 subscription options [MQTT-3.8.3.1] and identifier (0: none).
  bool no_local = false;
  bool retain_as_published = false;
  uint32_t subscription_id = 0;
  bool plain() const { return !no_local && !retain_as_published && subscription_id == 0; }
};

// Session expiry interval "never" (MQTT 5's 0xFFFFFFFF); 3.1.1 sessions.
inline constexpr uint32_t kSessionNeverExpires = 0xFFFFFFFF;

struct SessionRecord {
  std::string client_id;
  std::vector<SubscriptionRecord> subscriptions;
  uint32_t expiry_s = kSessionNeverExpires;  // how long it outlives its connection
  uint64_t expires_at_s = 0;  // unix time it ends, once offline; 0: not counting down
};

// Where an owed message stands with its subscriber.
enum class DeliveryState : uint8_t {
  Pending = 0,   // not sent yet in this session's life
  Sent = 1,      // PUBLISH sent with packet_id, not acknowledged: resend with DUP
  Received = 2,  // QoS 2: PUBREC came back, PUBREL owed (resend PUBREL, not PUBLISH)
};

struct QueuedMessage {
  uint64_t seq = 0;
  std::string topic;
  std::string payload;
  uint8_t qos = 1;
  bool retain = false;
  uint16_t packet_id = 0;
  DeliveryState state = DeliveryState::Pending;
  std::string properties{};
  uint64_t expires_at_ms = 0;  // wall clock; 0: never
  std::string shared_filter{};  // "$share/g/f" it came through, if any
};

// An ordered list of encoded puts and deletes, built on any thread, applied by
// the store in one atomic write.
class WriteSet {
 public:
  enum class Kind : uint8_t { Put, Delete, DeleteRange };
  struct Op {
    Kind kind;
    Family family;
    std::string key;
    std::string value;  // Put: the record; DeleteRange: the end key (exclusive)
  };

  void put_retained(const RetainedMessage& m);
  void delete_retained(std::string_view topic);
  void put_session(const SessionRecord& s);
  // Removes the session, every message queued for it and its inbound QoS 2 ids.
  void delete_session(std::string_view client_id);
  void put_queued(std::string_view client_id, const QueuedMessage& m);
  void delete_queued(std::string_view client_id, uint64_t seq);
  // A QoS 2 PUBLISH was received and routed: a resend with this id until
  // PUBREL must not be routed again [MQTT-4.3.3-2], even after a restart.
  void put_inbound_qos2(std::string_view client_id, uint16_t packet_id);
  void delete_inbound_qos2(std::string_view client_id, uint16_t packet_id);

  void append(WriteSet&& other);
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  uint64_t max_seq() const { return max_seq_; }
  // Bytes of its keys and values: what it will write, about.
  uint64_t bytes() const { return bytes_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  void add(Op&& op);
  std::vector<Op> ops_;
  uint64_t bytes_ = 0;
  uint64_t max_seq_ = 0;  // highest queue seq put here; the store keeps a high-water mark
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies `ws` atomically. sync=true also fsyncs the WAL (durability "power");
  // otherwise the write is in the WAL and survives a process kill.
  virtual Status apply(const WriteSet& ws, bool sync) = 0;

  virtual Status load_retained(const std::function<void(RetainedMessage&&)>& each) = 0;
  virtual Status load_sessions(const std::function<void(SessionRecord&&)>& each) = 0;
  // Every queued message, grouped by client and in seq order within a client.
  virtual Status load_queues(
      const std::function<void(std::string_view client_id, QueuedMessage&&)>& each) = 0;
  virtual Status load_inbound_qos2(
      const std::function<void(std::string_view client_id, uint16_t packet_id)>& each) = 0;
  // The queued messages of `client_id` with from_seq <= seq <= through_seq,
  // in seq order, at most `max` of them: how a session's queue on disk is
  // read back into its window. A corrupt record is skipped (ok, with a
  // message, as loads report it).
  // (Stores that keep no queue, such as test doubles, need not read one.)
  virtual Status read_queue(std::string_view /*client_id*/, uint64_t /*from_seq*/, uint64_t /*through_seq*/,
                            size_t /*max*/, const std::function<void(QueuedMessage&&)>& /*each*/) {
    return Status::Error("read_queue: this store keeps no queue");
  }

  // Highest queue seq ever committed (0 for a new store), so that seqs handed
  // out after a restart never repeat.
  virtual uint64_t last_seq() const = 0;

  // After a failed write: makes the store take writes again if the cause is
  // gone (RocksDB stops writing after a background error until resumed).
  // Called on the writing thread only.
  virtual Status resume() { return Status::Ok(); }
};

// Opens (creating if needed) a RocksDB store in `dir`.
std::unique_ptr<Store> open_rocks_store(const std::string& dir, Status& status);

// An in-memory Store with the same semantics, for tests of the layers above.
std::unique_ptr<Store> make_memory_store();

}  // namespace edgemq::storage
