// The pure parts of edgemq-bench: what it reports must be right before any
// number in docs/benchmarks.md can be trusted.
#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "tests/bench/expected.h"
#include "tests/bench/histogram.h"
#include "tests/bench/options.h"
#include "tests/bench/packet_view.h"
#include "tests/bench/stamp.h"
#include "tests/bench/stream_tracker.h"
#include "tests/bench/worker_report.h"

namespace edgemq::bench {
namespace {

TEST(BenchHistogram, PercentilesAreWithinThreePercent) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms, uniform
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000000u);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double want = q * 100000 * 1000;
    EXPECT_NEAR(static_cast<double>(h.percentile(q)), want, want * 0.03) << q;
  }
  EXPECT_EQ(h.percentile(1.0), h.max());
}

TEST(BenchHistogram, BucketsCoverEveryValueOnce) {
  for (uint64_t v : {0ull, 1ull, 31ull, 32ull, 33ull, 63ull, 64ull, 1000ull, 123456789ull, 1ull << 50}) {
    const int b = Histogram::bucket_of(v);
    EXPECT_LE(Histogram::bucket_low(b), v) << v;
    EXPECT_GT(Histogram::bucket_high(b), v) << v;
  }
}

TEST(BenchHistogram, SerializeMergeRoundTrip) {
  Histogram a, b;
  for (int i = 0; i < 100; ++i) a.record(5000);
  b.record(9000000);
  Histogram back;
  ASSERT_TRUE(back.parse(a.serialize()));
  back.merge(b);
  EXPECT_EQ(back.count(), 101u);
  EXPECT_EQ(back.max(), 9000000u);
  EXPECT_NEAR(static_cast<double>(back.percentile(0.5)), 5000, 5000 * 0.03);
  EXPECT_FALSE(back.parse("3 10 1:1"));  // counts do not add up
  EXPECT_FALSE(back.parse("1 10 99999:1"));
}

TEST(BenchStreamTracker, CountsDistinctDuplicatesAndReordered) {
  StreamTracker t;
  for (uint32_t seq : {0u, 1u, 3u, 2u, 3u, 5u}) t.on_message(7, seq);
  t.on_message(8, 0);
  const StreamTotals& s = t.totals();
  EXPECT_EQ(s.distinct, 6u);    // 0 1 3 2 5 from 7, 0 from 8; seq 4 never came
  EXPECT_EQ(s.reordered, 1u);   // 2 after 3
  EXPECT_EQ(s.duplicates, 1u);  // 3 again
  EXPECT_EQ(s.streams, 2u);
}

TEST(BenchExpected, CountsEveryMatchingSubscriber) {
  const std::vector<PublisherSent> pubs = {{"bench/0", 10}, {"bench/1", 20}, {"other", 5}};
  EXPECT_EQ(expected_deliveries({"bench/0", "bench/1"}, pubs), 30u);           // pairs
  EXPECT_EQ(expected_deliveries({"bench/+"}, pubs), 30u);                       // fan-in
  EXPECT_EQ(expected_deliveries({"bench/0", "bench/0", "bench/0"}, pubs), 30u);  // fan-out
  EXPECT_EQ(expected_deliveries({"#"}, pubs), 35u);
  EXPECT_EQ(expand_template("a/{i}/b{i}", 42), "a/42/b42");
}

std::optional<Options> parse(std::vector<std::string> args) {
  std::string error;
  auto o = parse_options(args, error);
  EXPECT_EQ(o.has_value(), error.empty()) << error;
  return o;
}

TEST(BenchOptions, ScenariosSetClientsTopicsAndFilters) {
  auto fanout = parse({"pubsub", "--scenario", "fanout", "-n", "10000", "-q", "1"});
  ASSERT_TRUE(fanout);
  EXPECT_EQ(fanout->publishers, 1u);
  EXPECT_EQ(fanout->subscribers, 10000u);
  EXPECT_EQ(fanout->sub_qos, 1);
  auto fanin = parse({"pubsub", "--scenario=fanin", "--clients=50", "--total-rate", "1000"});
  ASSERT_TRUE(fanin);
  EXPECT_EQ(fanin->publishers, 50u);
  EXPECT_EQ(fanin->filter, "bench/in/+");
  EXPECT_DOUBLE_EQ(fanin->rate, 20.0);
  auto conn = parse({"conn", "-n", "19000", "-R", "5000", "--hold", "3"});
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->connections, 19000u);
  EXPECT_EQ(conn->total_clients(), 19000u);
  EXPECT_EQ(conn->transport, Transport::Tcp);
  auto wss = parse({"conn", "-n", "10", "--transport", "wss", "--ws-path", "/ws", "--cafile", "ca.pem"});
  ASSERT_TRUE(wss);
  EXPECT_EQ(wss->transport, Transport::Wss);
  EXPECT_TRUE(uses_tls(wss->transport) && uses_websocket(wss->transport));
  EXPECT_EQ(wss->ws_path, "/ws");
  EXPECT_EQ(wss->ca_file, "ca.pem");
}

TEST(BenchOptions, RejectsWhatCannotRun) {
  std::string error;
  EXPECT_FALSE(parse_options({"pubsub"}, error));
  EXPECT_NE(error.find("no clients"), std::string::npos);
  EXPECT_FALSE(parse_options({"pub", "-n", "1", "-q", "3"}, error));
  EXPECT_FALSE(parse_options({"pub", "-n", "1", "--topic", "a/+"}, error));
  EXPECT_FALSE(parse_options({"pub", "-n", "x"}, error));
  EXPECT_FALSE(parse_options({"pub", "--nope", "1"}, error));
  EXPECT_FALSE(parse_options({"pubsub", "--scenario", "ring", "-n", "2"}, error));
  EXPECT_FALSE(parse_options({"conn", "-n", "1", "--transport", "quic"}, error));
  EXPECT_FALSE(parse_options({"conn", "-n", "1", "--ws-path", "mqtt"}, error));
  EXPECT_FALSE(parse_options({"--help"}, error));
  EXPECT_TRUE(error.empty()) << "--help is not an error";
}

TEST(BenchPacketView, ReadsWhatTheGatewayCodecWrites) {
  std::string wire;
  std::string payload(40, 'x');
  write_stamp(Stamp{123456789, 7, 42}, payload.data());
  mqtt::encode(mqtt::Publish{false, 1, false, "a/b", 513, payload}, wire);
  mqtt::encode(mqtt::Connack{false, mqtt::ConnackCode::Accepted}, wire);
  mqtt::encode(mqtt::Suback{1, {mqtt::kSubackFailure}}, wire);

  PacketView p;
  size_t used = 0;
  std::string_view in = wire;
  for (size_t cut = 0; cut < 5; ++cut) {
    EXPECT_EQ(read_packet(in.substr(0, cut), p, used), FrameStatus::NeedMore) << cut;
  }
  ASSERT_EQ(read_packet(in, p, used), FrameStatus::Packet);
  EXPECT_EQ(p.type, mqtt::PacketType::Publish);
  EXPECT_EQ(p.qos, 1);
  EXPECT_EQ(p.packet_id, 513);
  EXPECT_EQ(p.topic, "a/b");
  const auto stamp = read_stamp(p.payload);
  ASSERT_TRUE(stamp);
  EXPECT_EQ(stamp->sent_ns, 123456789u);
  EXPECT_EQ(stamp->publisher, 7u);
  EXPECT_EQ(stamp->seq, 42u);
  in.remove_prefix(used);
  ASSERT_EQ(read_packet(in, p, used), FrameStatus::Packet);
  EXPECT_EQ(p.type, mqtt::PacketType::Connack);
  EXPECT_EQ(p.second_body_byte, 0);
  in.remove_prefix(used);
  ASSERT_EQ(read_packet(in, p, used), FrameStatus::Packet);
  EXPECT_EQ(p.type, mqtt::PacketType::Suback);
  EXPECT_EQ(p.first_body_byte, mqtt::kSubackFailure);
  EXPECT_EQ(read_packet(std::string_view("\x30\x01\x00", 3), p, used), FrameStatus::Malformed);  // topic length cut off
  EXPECT_EQ(read_packet("\x30\xff\xff\xff\xff\x01", p, used), FrameStatus::Malformed);
}

TEST(BenchWorkerReport, LinesRoundTripAndMerge) {
  WorkerReport r;
  r.connected = 3;
  r.sent = 10;
  r.received = 9;
  r.streams.distinct = 8;
  r.streams.duplicates = 1;
  r.latency.record(2000);
  r.sent_by_publisher = {{0, 4}, {1, 6}};
  r.note_error("connection refused");
  WorkerReport back;
  std::string error;
  std::string text = r.serialize();
  bool ended = false;
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    ended = back.parse_line(text.substr(at, nl - at), error);
    ASSERT_TRUE(error.empty()) << error;
  }
  EXPECT_TRUE(ended);
  back.merge(r);
  EXPECT_EQ(back.connected, 6u);
  EXPECT_EQ(back.streams.distinct, 16u);
  EXPECT_EQ(back.latency.count(), 2u);
  EXPECT_EQ(back.sent_by_publisher.size(), 4u);
  EXPECT_EQ(back.errors.at("connection refused"), 2u);
  back.parse_line("bogus 1", error);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace edgemq::bench
