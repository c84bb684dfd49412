// `edgemq salvage` as a function: its exit status and what it leaves behind.
// What it reports about a damaged log is tested on real files in
// tests/unit/storage/wal_recovery_test.cpp and end to end in
// tests/hostile/damaged_wal_test.cpp.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "gateway/app/salvage.h"
#include "storage/rocks_store.h"

namespace edgemq::app {
namespace {

std::string temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "edgemq-salvage-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

TEST(Salvage, NoStoreIsAnError) {
  Config c;
  c.data_dir = "/nonexistent/edgemq-salvage";
  EXPECT_EQ(run_salvage(c), 1);
}

TEST(Salvage, AnIntactStoreIsLeftAsItWas) {
  const std::string dir = temp_dir();
  {
    storage::Status s;
    auto store = storage::open_rocks_store(dir, s);
    ASSERT_TRUE(s.ok) << s.message;
    storage::WriteSet ws;
    ws.put_session({"dev", {{"a/#", 1}}});
    ASSERT_TRUE(store->apply(ws, false).ok);
  }
  Config c;
  c.data_dir = dir;
  EXPECT_EQ(run_salvage(c), 0);
  storage::Status s;
  auto store = storage::open_rocks_store(dir, s);
  ASSERT_TRUE(s.ok) << s.message;
  int sessions = 0;
  ASSERT_TRUE(store->load_sessions([&](storage::SessionRecord&&) { ++sessions; }).ok);
  EXPECT_EQ(sessions, 1);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgemq::app
