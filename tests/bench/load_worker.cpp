#include "tests/bench/load_worker.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "tests/bench/expected.h"

namespace edgemq::bench {
namespace {

constexpr uint64_t kTickMs = 5;
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint32_t kMaxBurst = 1000;  // messages one publisher sends in one tick at most

bool parse_address(const std::string& host, int port, sockaddr_storage& out) {
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0) return true;
  return uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0;
}

uint64_t seconds_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

}  // namespace

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kSecond + static_cast<uint64_t>(ts.tv_nsec);
}

Range share(uint32_t total, uint32_t k, uint32_t n) {
  const auto at = [&](uint32_t i) { return static_cast<uint32_t>(uint64_t{total} * i / n); };
  return Range{at(k), at(k + 1)};
}

LoadWorker::LoadWorker(const Options& options, WorkerPlan plan, int parent_fd)
    : options_(options), plan_(std::move(plan)), read_buffer_(64 * 1024) {
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_pipe_init(&loop_, &parent_, 0);
  parent_.data = this;
  uv_pipe_open(&parent_, parent_fd);
  open_handles_ = 2;
}

LoadWorker::~LoadWorker() { uv_loop_close(&loop_); }

void LoadWorker::create_clients() {
  const std::string& prefix = options_.prefix;
  for (uint32_t i = plan_.subscribers.begin; i < plan_.subscribers.end; ++i) {
    clients_.push_back(std::make_unique<LoadClient>(*this, Role::Subscriber, i, prefix + "-s" + std::to_string(i),
                                                    expand_template(options_.filter, i)));
  }
  for (uint32_t i = plan_.publishers.begin; i < plan_.publishers.end; ++i) {
    clients_.push_back(std::make_unique<LoadClient>(*this, Role::Publisher, i, prefix + "-p" + std::to_string(i),
                                                    expand_template(options_.topic, i)));
    publishers_.push_back(clients_.back().get());
  }
  for (uint32_t i = plan_.connections.begin; i < plan_.connections.end; ++i) {
    clients_.push_back(
        std::make_unique<LoadClient>(*this, Role::Idle, i, prefix + "-c" + std::to_string(i), std::string()));
  }
}

int LoadWorker::run() {
  bool addresses_ok = parse_address(options_.host, options_.port, target_);
  for (const auto& s : plan_.sources) {
    sockaddr_storage addr{};
    addresses_ok = addresses_ok && parse_address(s, 0, addr);
    sources_.push_back(addr);
  }
  if (uses_tls(options_.transport)) {
    std::string error;
    tls_ = make_client_tls(options_.ca_file, error);
    if (!tls_) note_error(error);
    addresses_ok = addresses_ok && tls_ != nullptr;
  }
  if (!addresses_ok) {
    // main() checked them already; close the handles the constructor opened.
    shut_down();
    uv_run(&loop_, UV_RUN_DEFAULT);
    return 2;
  }
  create_clients();
  uv_read_start(reinterpret_cast<uv_stream_t*>(&parent_), on_parent_alloc, on_parent_read);
  connect_started_ns_ = now_ns();
  last_progress_ns_ = last_ping_ns_ = connect_started_ns_;
  start_more_clients(connect_started_ns_);
  if (clients_.empty()) {
    phase_ = Phase::Ready;
    send_to_parent("ready\n");
  }
  uv_timer_start(&timer_, on_tick, kTickMs, kTickMs);
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (open_handles_ != 0) std::fprintf(stderr, "edgemq-bench: %zu handles still open\n", open_handles_);
  return exit_code_;
}

void LoadWorker::start_more_clients(uint64_t now) {
  const uint32_t processes = std::max<uint32_t>(1, options_.processes);
  const size_t concurrency = std::max<size_t>(1, (options_.connect_concurrency + processes - 1) / processes);
  size_t allowed = clients_.size();
  if (options_.connect_rate > 0) {
    const double elapsed = static_cast<double>(now - connect_started_ns_) / 1e9;
    allowed = static_cast<size_t>(elapsed * options_.connect_rate / processes) + 1;
  }
  while (next_to_start_ < clients_.size() && next_to_start_ < allowed &&
         next_to_start_ - settled_ < concurrency) {
    LoadClient& client = *clients_[next_to_start_];
    const sockaddr* source = nullptr;
    if (!sources_.empty()) {
      // Spread by the client's position in the whole run, not in this process.
      const size_t global = plan_.process + next_to_start_ * processes;
      source = reinterpret_cast<const sockaddr*>(&sources_[global % sources_.size()]);
    }
    if (report_.first_connect_ns == 0) report_.first_connect_ns = now;
    ++next_to_start_;
    ++open_handles_;
    client.start(reinterpret_cast<const sockaddr*>(&target_), source);
  }
}

void LoadWorker::on_client_settled(LoadClient& client) {
  ++settled_;
  if (client.state() == LoadClient::State::Ready) {
    ++report_.connected;
    report_.last_ready_ns = now_ns();
  } else {
    ++report_.failed;
  }
  if (phase_ != Phase::Connecting) return;
  if (settled_ == clients_.size()) {
    phase_ = Phase::Ready;
    send_to_parent("ready\n");
    return;
  }
  start_more_clients(now_ns());
}

void LoadWorker::on_client_dropped(LoadClient&) {
  --report_.connected;
  ++report_.dropped;
}

void LoadWorker::on_acked(uint64_t sent_ns) {
  ++report_.acked;
  const uint64_t now = monotonic_ns();
  if (sent_ns != 0 && sent_ns <= now) report_.ack_latency.record(now - sent_ns);
}

void LoadWorker::on_received(uint64_t sent_ns) {
  ++report_.received;
  const uint64_t now = now_ns();
  report_.last_receive_ns = now;
  if (sent_ns != 0 && sent_ns <= now) report_.latency.record(now - sent_ns);
}

void LoadWorker::on_tick(uv_timer_t* timer) noexcept {
  auto* self = static_cast<LoadWorker*>(timer->data);
  self->tick(self->now_ns());
}

void LoadWorker::tick(uint64_t now) {
  if (phase_ == Phase::Connecting) {
    start_more_clients(now);
    if (now - connect_started_ns_ > seconds_to_ns(options_.connect_timeout_s)) {
      note_error("connect timeout");
      next_to_start_ = clients_.size();  // nothing new starts; the rest fail below
      for (auto& c : clients_) {
        if (!c->settled()) c->fail();
      }
    }
  }
  if (phase_ == Phase::Armed && now >= start_ns_) {
    phase_ = Phase::Publishing;
    if (options_.rate <= 0) {
      for (LoadClient* p : publishers_) p->pump();
    }
  }
  if (phase_ == Phase::Publishing) {
    if (now >= end_ns_) {
      phase_ = Phase::Published;
      send_to_parent("published\n");
    } else if (options_.rate > 0) {
      publish_due(now);
    }
  }
  if (phase_ == Phase::Draining) check_drain(now);
  if (options_.ack_rate > 0) {
    for (auto& c : clients_) c->release_acks(now);
  }
  if (options_.keepalive_s > 0 && now - last_ping_ns_ >= uint64_t{options_.keepalive_s} * kSecond / 2) {
    last_ping_ns_ = now;
    for (auto& c : clients_) c->ping();
  }
  if (now - last_progress_ns_ >= kSecond && phase_ != Phase::Finished) {
    last_progress_ns_ = now;
    char line[160];
    std::snprintf(line, sizeof line, "progress %llu %llu %llu %llu %llu\n",
                  static_cast<unsigned long long>(report_.connected), static_cast<unsigned long long>(report_.failed),
                  static_cast<unsigned long long>(report_.sent), static_cast<unsigned long long>(report_.acked),
                  static_cast<unsigned long long>(report_.received));
    send_to_parent(line);
  }
}

void LoadWorker::publish_due(uint64_t now) {
  const double elapsed = static_cast<double>(now - start_ns_) / 1e9;
  for (LoadClient* p : publishers_) {
    // Offsets by the golden ratio spread publishers over the period instead of
    // letting all of them fire in the same tick.
    const double offset = std::fmod(p->index() * 0.6180339887, 1.0);
    const auto due = static_cast<uint64_t>(elapsed * options_.rate + offset);
    if (due > p->sent()) p->publish(static_cast<uint32_t>(std::min<uint64_t>(due - p->sent(), kMaxBurst)));
  }
}

void LoadWorker::check_drain(uint64_t now) {
  const uint64_t activity = report_.received + report_.acked;
  if (activity != activity_seen_) {
    activity_seen_ = activity;
    last_activity_ns_ = now;
  }
  const uint64_t quiet = seconds_to_ns(options_.drain_s);
  const uint64_t limit = std::max(seconds_to_ns(10), 10 * quiet);
  if (now - last_activity_ns_ >= quiet || now - drain_started_ns_ >= limit) finish();
}

void LoadWorker::on_parent_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<LoadWorker*>(handle->data);
  *buf = uv_buf_init(self->read_buffer_.data(), static_cast<unsigned>(self->read_buffer_.size()));
}

void LoadWorker::on_parent_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<LoadWorker*>(stream->data);
  if (nread < 0) {
    // The parent is gone: nobody will read a report.
    self->exit_code_ = 3;
    self->shut_down();
    return;
  }
  self->parent_input_.append(buf->base, static_cast<size_t>(nread));
  for (size_t nl; (nl = self->parent_input_.find('\n')) != std::string::npos;) {
    const std::string line = self->parent_input_.substr(0, nl);
    self->parent_input_.erase(0, nl + 1);
    self->handle_command(line);
  }
}

void LoadWorker::handle_command(const std::string& line) {
  unsigned long long start = 0, end = 0;
  if (std::sscanf(line.c_str(), "go %llu %llu", &start, &end) == 2 && phase_ == Phase::Ready) {
    start_ns_ = start;
    end_ns_ = end;
    phase_ = Phase::Armed;
  } else if (line == "drain" && phase_ != Phase::Finished) {
    phase_ = Phase::Draining;
    drain_started_ns_ = last_activity_ns_ = now_ns();
    activity_seen_ = report_.received + report_.acked;
  }
}

void LoadWorker::send_to_parent(std::string text, bool last) {
  struct Request {
    uv_write_t req{};
    std::string data;
    LoadWorker* worker = nullptr;
    bool last = false;
  };
  auto* r = new Request;
  r->data = std::move(text);
  r->worker = this;
  r->last = last;
  r->req.data = r;
  const uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
  const int rc = uv_write(&r->req, reinterpret_cast<uv_stream_t*>(&parent_), &buf, 1,
                          [](uv_write_t* req, int status) noexcept {
                            auto* done = static_cast<Request*>(req->data);
                            LoadWorker* worker = done->worker;
                            const bool was_last = done->last;
                            delete done;
                            if (status != 0) worker->exit_code_ = 3;
                            if (was_last || status != 0) worker->shut_down();
                          });
  if (rc != 0) {
    delete r;
    exit_code_ = 3;
    shut_down();
  }
}

void LoadWorker::finish() {
  phase_ = Phase::Finished;
  for (auto& c : clients_) {
    if (const StreamTotals* t = c->streams()) report_.streams.add(*t);
    if (c->role() == Role::Publisher) report_.sent_by_publisher.emplace_back(c->index(), c->sent());
  }
  send_to_parent(report_.serialize(), true);
}

void LoadWorker::shut_down() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) return;
  phase_ = Phase::Finished;
  for (auto& c : clients_) c->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&parent_), on_handle_closed);
}

void LoadWorker::on_handle_closed(uv_handle_t* handle) noexcept {
  static_cast<LoadWorker*>(handle->data)->on_client_closed();
}

}  // namespace edgemq::bench
