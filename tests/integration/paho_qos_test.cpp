// Paho pub/sub at every (subscription QoS, publish QoS) pair: the delivered
// QoS is the minimum of the two [MQTT-3.8.4-6], a live delivery carries
// RETAIN=0 even for a retained publish [MQTT-3.3.1-9], and a stored retained
// message reaches a new subscription with RETAIN=1 [MQTT-3.3.1-8].
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"

namespace edgemq::itest {
namespace {

class PahoQos : public GatewayTest, public ::testing::WithParamInterface<std::tuple<int, int>> {};

TEST_P(PahoQos, DeliveredQosIsMinimumAndRetainFlagIsRight) {
  const auto [sub_qos, pub_qos] = GetParam();
  const int expected_qos = std::min(sub_qos, pub_qos);
  const std::string t = topic("qos");

  PahoClient sub(uri(), "it-paho-sub");
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(t, sub_qos));
  PahoClient pub(uri(), "it-paho-pub");
  ASSERT_TRUE(pub.connect(true));

  ASSERT_TRUE(pub.publish(t, "live", pub_qos, false));
  auto msg = sub.receive(5s);
  ASSERT_TRUE(msg) << "live message not delivered";
  EXPECT_EQ(msg->get_payload_str(), "live");
  EXPECT_EQ(msg->get_qos(), expected_qos);
  EXPECT_FALSE(msg->is_retained());

  ASSERT_TRUE(pub.publish(t, "stored", pub_qos, true));
  msg = sub.receive(5s);
  ASSERT_TRUE(msg) << "retained publish not delivered live";
  EXPECT_EQ(msg->get_payload_str(), "stored");
  EXPECT_EQ(msg->get_qos(), expected_qos);
  EXPECT_FALSE(msg->is_retained()) << "live delivery must carry RETAIN=0 [MQTT-3.3.1-9]";

  // A new subscription re-sends matching retained messages [MQTT-3.8.4-3]. The
  // same client subscribes again (Paho needs ~2 s to connect a second client
  // while another is connected in the process).
  ASSERT_TRUE(sub.subscribe(topic("+"), sub_qos));
  msg = sub.receive(5s);
  ASSERT_TRUE(msg) << "retained message not delivered on subscribe";
  EXPECT_EQ(msg->get_topic(), t);
  EXPECT_EQ(msg->get_payload_str(), "stored");
  EXPECT_EQ(msg->get_qos(), expected_qos);
  EXPECT_TRUE(msg->is_retained());
}

INSTANTIATE_TEST_SUITE_P(Pairs, PahoQos,
                         ::testing::Combine(::testing::Values(0, 1, 2), ::testing::Values(0, 1, 2)),
                         [](const auto& param_info) {
                           return "sub" + std::to_string(std::get<0>(param_info.param)) + "_pub" +
                                  std::to_string(std::get<1>(param_info.param));
                         });

// Messages from one publisher reach a subscriber in publish order at each QoS.
TEST_F(GatewayTest, PahoOrderIsPreservedAtEachQos) {
  PahoClient sub(uri(), "it-order-sub");
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(topic("#"), 2));
  PahoClient pub(uri(), "it-order-pub");
  ASSERT_TRUE(pub.connect(true));
  constexpr int kPerQos = 20;
  for (int qos = 0; qos <= 2; ++qos) {
    std::vector<::mqtt::delivery_token_ptr> tokens;
    for (int i = 0; i < kPerQos; ++i) {
      const std::string payload = std::to_string(i);
      tokens.push_back(pub.client().publish(topic("q" + std::to_string(qos)), payload.data(),
                                            payload.size(), qos, false));
    }
    for (auto& tok : tokens) ASSERT_TRUE(tok->wait_for(5s));
    for (int i = 0; i < kPerQos; ++i) {
      auto msg = sub.receive(5s);
      ASSERT_TRUE(msg) << "qos " << qos << ": message " << i << " missing";
      EXPECT_EQ(msg->get_topic(), topic("q" + std::to_string(qos)));
      EXPECT_EQ(msg->get_payload_str(), std::to_string(i)) << "qos " << qos;
      EXPECT_EQ(msg->get_qos(), qos);
    }
  }
}

}  // namespace
}  // namespace edgemq::itest
