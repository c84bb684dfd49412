// A damaged write-ahead log (issue 13, "corruption is never silent"): a
// persistent QoS 1 session is owed thousands of acknowledged messages, the
// gateway is killed, and bytes of the newest WAL file are damaged behind its
// back. Damage in the middle refuses to start, naming the file, the offset
// and the way out; `edgemq salvage` then reports what it drops, and the
// subscriber gets exactly the rest. A torn tail only warns.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

const char* const kSubscriber = "wal-subscriber";
const std::string kTopic = "fleet/wal/readings";

// A payload that says which message it is, padded so the log spans many
// 32 KiB blocks; the padding is where the damage goes.
std::string payload_of(int i) { return "m" + std::to_string(i) + ":" + std::string(100, 'z'); }

int number_of(const std::string& payload) { return std::stoi(payload.substr(1, payload.find(':') - 1)); }

std::string newest_log(const std::string& dir) {
  std::string newest;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".log") && std::isdigit(static_cast<unsigned char>(name[0])) &&
        (newest.empty() || name > std::filesystem::path(newest).filename().string())) {
      newest = e.path().string();
    }
  }
  return newest;
}

std::string read_all(const std::string& path) { return read_file(path); }

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// "salvage: dropped 1,234 queued messages" -> 1234; -1 if absent.
long dropped_messages(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("salvage: dropped ([0-9,]+) queued message"))) return -1;
  std::string digits = m[1].str();
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  return std::stol(digits);
}

class DamagedWal : public GatewayTest {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.max_queued_messages = 100000;  // the offline session keeps everything
    o.log_level = "info";
    return o;
  }

  // A persistent subscriber that goes away, then `n` acknowledged QoS 1
  // messages for it, then kill -9.
  void queue_then_kill(int n) {
    {
      PahoClient sub(uri(), kSubscriber);
      ASSERT_TRUE(sub.connect(false));
      ASSERT_TRUE(sub.subscribe(kTopic, 1));
      ASSERT_TRUE(sub.disconnect());
    }
    RawClient pub;
    ASSERT_TRUE(pub.open_and_connect(port(), "wal-publisher"));
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(pub.publish(kTopic, payload_of(i), 1)) << "message " << i;
    pub.close();
    gw().kill9();
  }

  // Reconnects the subscriber and collects what arrives until 2 s of quiet.
  std::vector<int> receive_all() {
    PahoClient sub(uri(), kSubscriber);
    bool present = false;
    EXPECT_TRUE(sub.connect(false, &present));
    EXPECT_TRUE(present);
    std::vector<int> got;
    while (auto msg = sub.receive(2s)) got.push_back(number_of(msg->get_payload_str()));
    EXPECT_TRUE(sub.disconnect());
    return got;
  }
};

TEST_F(DamagedWal, MidLogDamageRefusesThenSalvageDeliversExactlyTheRest) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's write-ahead log");
  const int kSent = hostile_long() ? 20000 : 3000;  // the 20,000 in the long run
  ASSERT_NO_FATAL_FAILURE(queue_then_kill(kSent));

  // 8 garbage bytes in the middle of the newest log, inside a payload in
  // the middle of a 32 KiB block.
  const std::string log = newest_log(gw().data_dir());
  ASSERT_FALSE(log.empty());
  std::string bytes = read_all(log);
  constexpr size_t kBlock = 32768;
  const size_t at = bytes.find(std::string(16, 'z'), bytes.size() / 2 / kBlock * kBlock + kBlock / 2);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at + 4, 8, "\xde\xad\xbe\xef\x01\x23\x45\x67");
  write_all(log, bytes);

  const ::testing::AssertionResult refused = gw().restart();
  ASSERT_FALSE(refused) << "started on a damaged log";
  EXPECT_NE(std::string(refused.message()).find("exit status 1"), std::string::npos) << refused.message();
  const std::string said = gw().log();
  EXPECT_NE(said.find("error store: WAL " + log + " is damaged at byte "), std::string::npos) << said;
  EXPECT_NE(said.find("checksum mismatch"), std::string::npos);
  EXPECT_NE(said.find("edgemq salvage"), std::string::npos);
  EXPECT_NE(said.find("backup"), std::string::npos);

  std::string report;
  ASSERT_EQ(gw().run_command({"salvage", "--data-dir", gw().data_dir()}, report), 0) << report;
  const long dropped = dropped_messages(report);
  ASSERT_GT(dropped, 1) << "RocksDB drops the rest of the block, not only the damaged batch:\n" << report;
  EXPECT_LT(dropped, kSent / 10) << "more than the damaged 32 KiB block held:\n" << report;
  EXPECT_NE(report.find("error salvage: WAL " + log + " is damaged"), std::string::npos) << report;

  ASSERT_TRUE(gw().restart());
  Canary canary(port());
  canary.start();
  const std::vector<int> got = receive_all();
  finish_canary(canary, "subscriber draining a salvaged queue");

  ASSERT_EQ(got.size(), static_cast<size_t>(kSent - dropped));
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_EQ(std::set<int>(got.begin(), got.end()).size(), got.size()) << "a message arrived twice";
  // RocksDB drops whole batches from the damage to its block's end: one run.
  std::vector<int> missing;
  std::set<int> have(got.begin(), got.end());
  for (int i = 1; i <= kSent; ++i) {
    if (!have.count(i)) missing.push_back(i);
  }
  ASSERT_FALSE(missing.empty());
  EXPECT_EQ(missing.back() - missing.front() + 1, static_cast<int>(missing.size())) << "not one contiguous run";

  // The salvaged store is an ordinary one: a plain restart works, quietly.
  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  const std::string after = gw().log().substr(said.size());
  EXPECT_EQ(after.find("store: WAL"), std::string::npos) << after;
}

TEST_F(DamagedWal, TornTailIsCutWithAWarningAndEveryIntactMessageArrives) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's write-ahead log");
  constexpr int kSent = 500;
  ASSERT_NO_FATAL_FAILURE(queue_then_kill(kSent));

  // A write cut short: the last record loses its last bytes.
  const std::string log = newest_log(gw().data_dir());
  ASSERT_FALSE(log.empty());
  const std::string bytes = read_all(log);
  ASSERT_EQ(::truncate(log.c_str(), static_cast<off_t>(bytes.size() - 5)), 0);

  ASSERT_TRUE(gw().restart());
  const std::string said = gw().log();
  EXPECT_NE(said.find("warning store: WAL " + log + " ends in a torn write"), std::string::npos) << said;
  EXPECT_NE(said.find("cut off its last "), std::string::npos) << said;

  // The last message's record is the one cut: every other one arrives.
  const std::vector<int> got = receive_all();
  ASSERT_EQ(got.size(), static_cast<size_t>(kSent - 1));
  for (int i = 0; i < kSent - 1; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], i + 1);
}

}  // namespace
}  // namespace edgemq::itest
