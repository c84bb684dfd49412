// Drives core::Shards without sockets: FakeLinks record what a shard sends,
// a memory store stands in for RocksDB, and commit completions are run on the
// test thread when the test waits for them. With several shards, all run on
// the test thread: each client lives on its home shard, and deliveries to
// another shard wait in the origin's outbox until flush() (what a worker does
// once per loop turn), then in the target's inbox until run_posted().
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/core/broker.h"
#include "gateway/core/shard.h"
#include "storage/group_committer.h"

namespace edgemq::core::testing {

class FakeLink final : public Link {
 public:
  explicit FakeLink(uint64_t id) : id_(id) {}
  void send(const mqtt::Packet& p) override {
    if (!closed) sent.push_back(p);
  }
  void send_publish(const mqtt::PublishView& p) override {
    if (!closed) {
      queued += queued_per_publish;
      sent.push_back(mqtt::Publish{p.dup, p.qos, p.retain, std::string(p.topic), p.packet_id,
                                   std::string(p.payload), p.props ? mqtt::Props(*p.props) : mqtt::Props()});
    }
  }
  size_t queued_bytes() const override { return queued; }
  void close() override { closed = true; }
  bool closing() const override { return closed; }
  uint64_t id() const override { return id_; }

  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& p : sent) {
      if (auto* x = std::get_if<T>(&p)) out.push_back(*x);
    }
    return out;
  }

  std::vector<mqtt::Packet> sent;
  bool closed = false;
  size_t queued = 0;
  size_t queued_per_publish = 0;  // a client that does not read: each PUBLISH adds this to `queued`

 private:
  uint64_t id_;
};

// A memory store whose writes fail with "no space" while `failing` is set,
// like a full disk; resuming it works once it is cleared.
class FailingStore final : public storage::Store {
 public:
  storage::Status apply(const storage::WriteSet& ws, bool sync) override {
    if (failing) return storage::Status::NoSpace("write: IO error: No space left on device");
    return inner_->apply(ws, sync);
  }
  storage::Status load_retained(const std::function<void(storage::RetainedMessage&&)>& each) override {
    return inner_->load_retained(each);
  }
  storage::Status load_sessions(const std::function<void(storage::SessionRecord&&)>& each) override {
    return inner_->load_sessions(each);
  }
  storage::Status load_queues(const std::function<void(std::string_view, storage::QueuedMessage&&)>& each) override {
    return inner_->load_queues(each);
  }
  storage::Status load_inbound_qos2(const std::function<void(std::string_view, uint16_t)>& each) override {
    return inner_->load_inbound_qos2(each);
  }
  storage::Status read_queue(std::string_view client_id, uint64_t from_seq, uint64_t through_seq, size_t max,
                             const std::function<void(storage::QueuedMessage&&)>& each) override {
    return inner_->read_queue(client_id, from_seq, through_seq, max, each);
  }
  uint64_t last_seq() const override { return inner_->last_seq(); }
  storage::Status resume() override {
    return failing ? storage::Status::Error("resume: still full") : storage::Status::Ok();
  }

  std::atomic<bool> failing{false};

 private:
  std::unique_ptr<storage::Store> inner_ = storage::make_memory_store();
};

class ShardHarness : public ShardPoster {
 public:
  explicit ShardHarness(Limits limits = {}, std::unique_ptr<storage::Store> store = storage::make_memory_store(),
                        size_t shards = 1, Authenticator* auth = nullptr)
      : store_(std::move(store)),
        committer_(*store_, false),
        broker_(limits, *store_, committer_, auth != nullptr ? *auth : auth_, shards),
        inbound_(shards) {
    for (size_t i = 0; i < shards; ++i) {
      shards_.push_back(std::make_unique<Shard>(broker_, i));
      inbound_[i].resize(shards);
    }
    broker_.set_poster(this);
  }
  ~ShardHarness() override { committer_.stop(); }

  void post(size_t shard, std::function<void(Shard&)> work) override {
    std::lock_guard lock(mu_);
    tasks_.emplace_back(shard, std::move(work));
  }

  void hand_off(size_t from, size_t to, DeliveryBatch& batch) override {
    EXPECT_FALSE(batch.empty()) << "an empty outbox is not handed over";
    std::lock_guard lock(mu_);
    append_batch(inbound_[to][from], batch);
    ++hand_offs_;
  }

  // What a worker does at the end of each loop turn, for every shard.
  void flush() {
    for (size_t i = 0; i < shards_.size(); ++i) broker_.flush_deliveries(i);
  }

  // Flushes and runs posted work until `done` holds; fails the test after 5 s.
  void run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      flush();
      run_posted();
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "condition not reached in 5 s";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Delivers the batches handed over so far, then runs posted work, each on
  // its shard (as a worker's inbox callback does).
  void run_posted() {
    std::vector<std::vector<DeliveryBatch>> batches(shards_.size(), std::vector<DeliveryBatch>(shards_.size()));
    std::vector<std::pair<size_t, std::function<void(Shard&)>>> tasks;
    {
      std::lock_guard lock(mu_);
      tasks.swap(tasks_);
      batches.swap(inbound_);
    }
    for (size_t to = 0; to < shards_.size(); ++to) {
      for (auto& batch : batches[to]) deliver_batch(*shards_[to], batch);
    }
    for (auto& [shard, t] : tasks) t(*shards_[shard]);
  }

  // Waits until every commit submitted so far has completed.
  void settle() {
    storage::WriteSet ws;
    bool done = false;
    broker_.commit(std::move(ws), 0, [&](Shard&, const storage::Status&) { done = true; });
    run_until([&] { return done; });
  }

  // What `link` was sent once `n` PUBLISHes came (or 5 s passed), and a
  // few store round trips more, so that one too many would show: a resumed
  // session's queue on disk is read back through the committer, so its
  // messages come after the CONNACK.
  std::vector<mqtt::Publish> await_publishes(const FakeLink& link, size_t n) {
    run_until([&] { return link.all<mqtt::Publish>().size() >= n; });
    for (int i = 0; i < 3; ++i) settle();
    return link.all<mqtt::Publish>();
  }

  // Submits an empty write that must fail, and waits for it: the store's
  // guard then reports it failed (broker().store_refusing()).
  void settle_failed() {
    storage::WriteSet ws;
    ws.delete_retained("settle");
    bool done = false;
    broker_.commit(std::move(ws), 0, [&](Shard&, const storage::Status& st) {
      EXPECT_FALSE(st.ok);
      done = true;
    });
    run_until([&] { return done; });
  }

  // Connects `link` with a CONNECT on the id's home shard; returns the
  // CONNACK it got.
  mqtt::Connack connect(FakeLink& link, const std::string& id, bool clean = true,
                        std::optional<mqtt::Will> will = std::nullopt) {
    mqtt::Connect c;
    c.client_id = id;
    c.clean_session = clean;
    c.will = std::move(will);
    return send_connect(link, c);
  }

  // Connects with a 5.0 CONNECT carrying `props`.
  mqtt::Connack connect_v5(FakeLink& link, const std::string& id, mqtt::Properties props = {},
                           bool clean_start = true, std::optional<mqtt::Will> will = std::nullopt) {
    mqtt::Connect c;
    c.level = mqtt::ProtocolLevel::V5;
    c.client_id = id;
    c.clean_session = clean_start;
    c.will = std::move(will);
    c.props = std::move(props);
    return send_connect(link, c);
  }

  mqtt::Connack send_connect(FakeLink& link, mqtt::Connect& c) {
    size_t home = c.client_id.empty() ? 0 : broker_.home_shard(c.client_id);
    link_shard_[link.id()] = home;
    auto r = shards_[home]->on_connect(link, c);
    EXPECT_NE(r.outcome, Shard::ConnectOutcome::HandOver);
    auto acks = link.all<mqtt::Connack>();
    EXPECT_FALSE(acks.empty());
    return acks.empty() ? mqtt::Connack{} : acks.back();
  }

  void subscribe(FakeLink& link, const std::string& filter, uint8_t qos, uint16_t id = 1) {
    size_t before = link.all<mqtt::Suback>().size();
    ASSERT_EQ(shard_of(link).on_packet(link.id(), mqtt::Subscribe{id, {{filter, qos}}}), 0);
    run_until([&] { return link.all<mqtt::Suback>().size() > before; });
  }

  void publish(FakeLink& link, const std::string& topic, const std::string& payload, uint8_t qos,
               uint16_t id = 0, bool retain = false) {
    ASSERT_EQ(shard_of(link).on_packet(link.id(), mqtt::Publish{false, qos, retain, topic, id, payload}), 0);
  }

  // A client id, starting with `prefix`, whose home is `shard`.
  std::string id_on(size_t shard, const std::string& prefix) const {
    for (int i = 0;; ++i) {
      std::string id = prefix + std::to_string(i);
      if (broker_.home_shard(id) == shard) return id;
    }
  }

  Shard& shard(size_t i = 0) { return *shards_[i]; }
  size_t hand_offs() {
    std::lock_guard lock(mu_);
    return hand_offs_;
  }
  Shard& shard_of(const FakeLink& link) { return *shards_[link_shard_.at(link.id())]; }
  Broker& broker() { return broker_; }
  storage::Store& store() { return *store_; }

 private:
  std::unique_ptr<storage::Store> store_;
  storage::GroupCommitter committer_;
  AllowAll auth_;
  Broker broker_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unordered_map<uint64_t, size_t> link_shard_;  // link id -> the shard it connected to
  std::mutex mu_;  // guards tasks_, inbound_, hand_offs_ (commit completions post from the store thread)
  std::vector<std::pair<size_t, std::function<void(Shard&)>>> tasks_;
  std::vector<std::vector<DeliveryBatch>> inbound_;  // [to][from]
  size_t hand_offs_ = 0;  // batches handed over so far
};

}  // namespace edgemq::core::testing
