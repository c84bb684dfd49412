// The fixture most integration tests share: a fresh broker per test, whose log
// is printed when the test fails.
#pragma once

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/gateway_process.h"

namespace edgemq::itest {

using namespace std::chrono_literals;

// Skips the current test under mosquitto; `why` says what mosquitto does differently.
#define EDGEMQ_SKIP_UNDER_MOSQUITTO(why)                       \
  do {                                                         \
    if (::edgemq::itest::under_mosquitto()) GTEST_SKIP() << (why); \
  } while (0)

// Polls `done` every 10 ms until it holds or `limit` has passed; whether it held.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

class GatewayTest : public ::testing::Test {
 protected:
  // Tests that need other options start their own with start_gateway().
  virtual GatewayOptions options() const { return {}; }

  void SetUp() override { start_gateway(options()); }

  void start_gateway(const GatewayOptions& opts) {
    gw_ = std::make_unique<GatewayProcess>(opts);
    ASSERT_TRUE(gw_->start());
  }

  void TearDown() override {
    if (gw_ && gw_->running() && !HasFailure()) {
      EXPECT_TRUE(gw_->stop()) << "clean shutdown at the end of the test";
    }
    if (gw_ && HasFailure()) {
      std::cerr << "----- broker log (" << gw_->data_dir() << ") -----\n"
                << gw_->log() << "----- end of broker log -----\n";
    }
  }

  GatewayProcess& gw() { return *gw_; }
  int port() const { return gw_->port(); }
  std::string uri() const { return gw_->uri(); }

  // A per-test topic prefix, so retained state and wildcards never leak
  // between tests even if a broker were shared.
  std::string topic(const std::string& suffix) const {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    return "it/" + name + "/" + suffix;
  }

 private:
  std::unique_ptr<GatewayProcess> gw_;
};

}  // namespace edgemq::itest
