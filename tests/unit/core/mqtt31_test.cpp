// What a shard does differently for MQTT 3.1 ("MQIsdp", level 3) clients
// (MQTT V3.1, IBM): client ids and the CONNACK.
#include <string>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

using mqtt::ConnackCode;

mqtt::Connack connect31(ShardHarness& h, FakeLink& link, const std::string& id, bool clean = true) {
  mqtt::Connect c;
  c.level = mqtt::ProtocolLevel::V31;
  c.client_id = id;
  c.clean_session = clean;
  return h.send_connect(link, c);
}

// 3.1 requires a client id of 1 to 23 characters, and a server answers
// "identifier rejected" otherwise (3.1, section 3.1, "Payload"); it has no
// assigned ids, whatever the clean session flag.
TEST(Mqtt31Connect, EmptyClientIdIsRejectedEvenWithCleanSession) {
  ShardHarness h;
  FakeLink a(1);
  EXPECT_EQ(connect31(h, a, "").code, ConnackCode::IdentifierRejected);
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(h.shard().session_count(), 0u);
}

// Longer ids are accepted, as Mosquitto does (docs/architecture.md).
TEST(Mqtt31Connect, ClientIdLongerThan23CharactersIsAccepted) {
  ShardHarness h;
  FakeLink a(1);
  EXPECT_EQ(connect31(h, a, std::string(64, 'x')).code, ConnackCode::Accepted);
  EXPECT_FALSE(a.closed);
}

// 3.1's CONNACK has no session present flag: its first byte is "reserved
// values, not used" (3.1, section 3.2), so it is 0 even when a persistent
// session resumes; the session does resume.
TEST(Mqtt31Connect, ConnackNeverSaysSessionPresentButTheSessionResumes) {
  ShardHarness h;
  FakeLink first(1), second(2), pub(3);
  connect31(h, first, "dev", false);
  h.subscribe(first, "t", 1);
  h.shard().on_link_closed(first.id(), false);
  h.connect(pub, "pub");
  h.publish(pub, "t", "while away", 1, 1);
  h.settle();
  const mqtt::Connack ack = connect31(h, second, "dev", false);
  EXPECT_EQ(ack.code, ConnackCode::Accepted);
  EXPECT_FALSE(ack.session_present);
  const auto got = h.await_publishes(second, 1);
  ASSERT_EQ(got.size(), 1u) << "queued while offline";
  EXPECT_EQ(got[0].payload, "while away");
}

}  // namespace
}  // namespace edgemq::core::testing
