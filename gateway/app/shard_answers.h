// Asking shards from another thread (the admin endpoint's) and waiting, a
// bounded time, for their answers. Each question runs on its shard's own
// thread through Gateway::post; the answer may come then or later (after a
// store commit). The waiting side owns nothing the shards touch: the state
// is shared, so an answer that comes after the wait gave up, or a question a
// stopping worker drops, is harmless.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/core/shard.h"
#include "gateway/net/gateway.h"

namespace edgemq::app {

template <typename R>
class ShardAnswer {
 public:
  // Gives shard `slot`'s answer; the first one counts.
  void operator()(R value) const {
    std::lock_guard lock(state_->mu);
    std::optional<R>& got = state_->got[slot_];
    if (got) return;
    got = std::move(value);
    if (--state_->left == 0) state_->cv.notify_all();
  }

  // Whether the asker stopped waiting: a question still queued behind a
  // busy worker is then skipped rather than walked for nobody.
  bool abandoned() const { return state_->abandoned.load(std::memory_order_relaxed); }

  struct State {
    explicit State(size_t n) : got(n), left(n) {}
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<R>> got;
    size_t left;
    std::atomic<bool> abandoned{false};
  };
  ShardAnswer(std::shared_ptr<State> state, size_t slot) : state_(std::move(state)), slot_(slot) {}

 private:
  std::shared_ptr<State> state_;
  size_t slot_;
};

namespace detail {

template <typename R, typename Ask>
std::optional<std::vector<R>> ask(net::Gateway& gateway, const std::vector<size_t>& shards, Ask ask,
                                  std::chrono::milliseconds timeout) {
  using State = typename ShardAnswer<R>::State;
  auto state = std::make_shared<State>(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    gateway.post(shards[i], [ask, answer = ShardAnswer<R>(state, i)](core::Shard& s) {
      if (!answer.abandoned()) ask(s, answer);
    });
  }
  std::unique_lock lock(state->mu);
  if (!state->cv.wait_for(lock, timeout, [&] { return state->left == 0; })) {
    state->abandoned.store(true, std::memory_order_relaxed);
    return std::nullopt;
  }
  std::vector<R> out;
  out.reserve(shards.size());
  for (std::optional<R>& r : state->got) out.push_back(std::move(*r));
  return out;
}

}  // namespace detail

// `ask(shard)` returns R on every shard's thread; nullopt if not all
// answered within `timeout`.
template <typename R, typename Ask>
std::optional<std::vector<R>> ask_every_shard(net::Gateway& gateway, Ask ask, std::chrono::milliseconds timeout) {
  std::vector<size_t> all(gateway.broker().shard_count());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return detail::ask<R>(
      gateway, all, [ask](core::Shard& s, const ShardAnswer<R>& answer) { answer(ask(s)); }, timeout);
}

// `ask(shard, answer)` runs on shard `index`'s thread and calls answer(R)
// then or later; nullopt if it did not within `timeout`.
template <typename R, typename Ask>
std::optional<R> ask_shard(net::Gateway& gateway, size_t index, Ask ask, std::chrono::milliseconds timeout) {
  std::optional<std::vector<R>> got = detail::ask<R>(gateway, {index}, std::move(ask), timeout);
  if (!got) return std::nullopt;
  return std::move(got->front());
}

}  // namespace edgemq::app
