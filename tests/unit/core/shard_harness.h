// Drives a core::Shard without sockets: FakeLinks record what the shard sends,
// a memory store stands in for RocksDB, and commit completions are run on the
// test thread when the test waits for them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
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
  void send_publish(const Message& m, uint8_t qos, uint16_t packet_id, bool dup, bool retain) override {
    if (!closed) sent.push_back(mqtt::Publish{dup, qos, retain, m.topic, packet_id, m.payload});
  }
  size_t queued_bytes() const override { return queued; }
  void close() override { closed = true; }
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

 private:
  uint64_t id_;
};

class ShardHarness : public ShardPoster {
 public:
  explicit ShardHarness(Limits limits = {}, std::unique_ptr<storage::Store> store = storage::make_memory_store())
      : store_(std::move(store)),
        committer_(*store_, false),
        broker_(limits, *store_, committer_, auth_, 1),
        shard_(broker_, 0) {
    broker_.set_poster(this);
  }
  ~ShardHarness() override { committer_.stop(); }

  void post(size_t, std::function<void(Shard&)> work) override {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(work));
  }

  // Runs posted work until `done` holds; fails the test after 5 s.
  void run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      run_posted();
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "condition not reached in 5 s";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  void run_posted() {
    std::vector<std::function<void(Shard&)>> tasks;
    {
      std::lock_guard lock(mu_);
      tasks.swap(tasks_);
    }
    for (auto& t : tasks) t(shard_);
  }

  // Waits until every commit submitted so far has completed.
  void settle() {
    storage::WriteSet ws;
    bool done = false;
    broker_.commit(std::move(ws), 0, [&](Shard&, const storage::Status&) { done = true; });
    run_until([&] { return done; });
  }

  // Connects `link` with a CONNECT; returns the CONNACK it got.
  mqtt::Connack connect(FakeLink& link, const std::string& id, bool clean = true,
                        std::optional<mqtt::Will> will = std::nullopt) {
    mqtt::Connect c;
    c.client_id = id;
    c.clean_session = clean;
    c.will = std::move(will);
    auto r = shard_.on_connect(link, c);
    EXPECT_NE(r.outcome, Shard::ConnectOutcome::HandOver);
    auto acks = link.all<mqtt::Connack>();
    EXPECT_FALSE(acks.empty());
    return acks.empty() ? mqtt::Connack{} : acks.back();
  }

  void subscribe(FakeLink& link, const std::string& filter, uint8_t qos, uint16_t id = 1) {
    size_t before = link.all<mqtt::Suback>().size();
    ASSERT_TRUE(shard_.on_packet(link.id(), mqtt::Subscribe{id, {{filter, qos}}}));
    run_until([&] { return link.all<mqtt::Suback>().size() > before; });
  }

  void publish(FakeLink& link, const std::string& topic, const std::string& payload, uint8_t qos,
               uint16_t id = 0, bool retain = false) {
    ASSERT_TRUE(shard_.on_packet(link.id(), mqtt::Publish{false, qos, retain, topic, id, payload}));
  }

  Shard& shard() { return shard_; }
  Broker& broker() { return broker_; }
  storage::Store& store() { return *store_; }

 private:
  std::unique_ptr<storage::Store> store_;
  storage::GroupCommitter committer_;
  AllowAll auth_;
  Broker broker_;
  Shard shard_;
  std::mutex mu_;
  std::vector<std::function<void(Shard&)>> tasks_;
};

}  // namespace edgemq::core::testing
