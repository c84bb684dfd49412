// The canary (see canary.h). Blocking RawClient calls on its own thread; the
// deliveries it gets back are matched by payload, so a stale delivery after
// a reconnect is not mistaken for the current one.
#include "tests/hostile/canary.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr milliseconds kRoundTripLimit(5000);

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

}  // namespace

std::string CanaryReport::summary() const {
  char line[256];
  std::snprintf(line, sizeof line, "canary: %llu QoS 1 round trips, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %llu failed%s%s",
                static_cast<unsigned long long>(round_trips), p50_ms, p99_ms, max_ms,
                static_cast<unsigned long long>(failures), first_error.empty() ? "" : " (first: ",
                first_error.empty() ? "" : (first_error + ")").c_str());
  return line;
}

Canary::Canary(int port, std::string client_id, std::chrono::milliseconds interval)
    : port_(port), client_id_(std::move(client_id)), interval_(interval) {}

Canary::~Canary() {
  if (thread_.joinable()) stop();
}

void Canary::start() { thread_ = std::thread([this] { run(); }); }

CanaryReport Canary::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  CanaryReport r;
  r.round_trips = samples_ms_.size();
  r.failures = failures_;
  r.first_error = first_error_;
  r.p50_ms = percentile(samples_ms_, 0.50);
  r.p99_ms = percentile(samples_ms_, 0.99);
  r.max_ms = samples_ms_.empty() ? 0 : *std::max_element(samples_ms_.begin(), samples_ms_.end());
  return r;
}

void Canary::fail(const std::string& what) {
  std::lock_guard lock(mu_);
  ++failures_;
  if (first_error_.empty()) first_error_ = what;
}

void Canary::run() {
  while (!stop_) {
    session();
    // A failed session: wait a little before the next, as a device would.
    for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(milliseconds(20));
  }
}

void Canary::session() {
  RawClient c;
  if (auto r = c.open_and_connect(port_, client_id_, true, 30); !r) return fail(std::string("connect: ") + r.message());
  const std::string topic = "canary/" + client_id_;
  if (auto r = c.subscribe(topic, 1); !r) return fail(std::string("subscribe: ") + r.message());
  uint16_t id = 0;
  uint64_t n = 0;
  while (!stop_) {
    id = static_cast<uint16_t>(id % 60000 + 1);
    mqtt::Publish p;
    p.topic = topic;
    p.payload = "rt-" + std::to_string(++n);
    p.qos = 1;
    p.packet_id = id;
    const auto sent = Clock::now();
    if (!c.send(p)) return fail("send failed");
    bool acked = false, delivered = false;
    while (!(acked && delivered)) {
      const auto left = kRoundTripLimit - std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
      if (left <= milliseconds(0)) return fail("round trip over 5 s");
      mqtt::Packet got;
      const ReadStatus s = c.read(got, left);
      if (s != ReadStatus::Packet) return fail(std::string("read: ") + name_of(s));
      if (auto* a = std::get_if<mqtt::Puback>(&got); a && a->packet_id == id) acked = true;
      if (auto* d = std::get_if<mqtt::Publish>(&got)) {
        if (d->qos > 0 && !c.send(mqtt::Puback{d->packet_id})) return fail("send PUBACK failed");
        if (d->payload == p.payload) delivered = true;
      }
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
    {
      std::lock_guard lock(mu_);
      samples_ms_.push_back(ms);
    }
    ++done_;
    std::this_thread::sleep_for(interval_);
  }
  c.disconnect();
}

void report_canary(const std::string& what, const CanaryReport& r) {
  const std::string line = what + ": " + r.summary();
  std::printf("[ canary   ] %s\n", line.c_str());
  ::testing::Test::RecordProperty("canary", line);
}

CanaryReport finish_canary(Canary& c, const std::string& what) {
  const CanaryReport r = c.stop();
  report_canary(what, r);
  EXPECT_EQ(r.failures, 0u) << what << ": " << r.summary();
  return r;
}

}  // namespace edgemq::itest
