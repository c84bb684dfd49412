// The WAL scanner on hand-built log bytes: every record type, block padding,
// and each kind of damage, with what RocksDB's reader does about it (the
// comments say which line of its behaviour a test pins).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/crc32c.h"
#include "storage/wal_batch.h"
#include "storage/wal_scan.h"
#include "wal_test_support.h"

namespace edgemq::storage {
namespace {

using test::WalBuilder;
using wal::Problem;

struct Seen final : wal::Visitor {
  struct Rec {
    uint64_t offset, end;
    bool replayed, verified;
    std::string payload;
  };
  std::vector<Rec> records;
  std::vector<wal::Drop> drops;
  void record(const wal::Record& r) override {
    records.push_back({r.offset, r.end, r.replayed, r.verified, std::string(r.payload)});
  }
  void drop(const wal::Drop& d) override { drops.push_back(d); }
  size_t replayed() const {
    return static_cast<size_t>(std::count_if(records.begin(), records.end(), [](const Rec& r) { return r.replayed; }));
  }
};

wal::Summary scan(WalBuilder& w, Seen& seen) { return wal::scan(w.bytes(), w.log_number(), &seen); }

std::string payload(char c, size_t n) { return std::string(n, c); }

TEST(Crc32c, KnownValues) {
  EXPECT_EQ(crc32c::value("123456789"), 0xe3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c::value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c::value(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(crc32c::extend(crc32c::value("hello "), "world"), crc32c::value("hello world"));
  for (uint32_t v : {0u, 1u, 0xe3069283u, 0xffffffffu}) EXPECT_EQ(crc32c::unmask(crc32c::mask(v)), v);
}

TEST(WalScan, FullRecordsInOneBlockAreAllReplayed) {
  WalBuilder w;
  for (char c : {'a', 'b', 'c'}) w.add(payload(c, 100));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 3u);
  EXPECT_EQ(s.replayed_end, w.bytes().size());
  EXPECT_FALSE(s.damaged());
  EXPECT_FALSE(s.torn());
  EXPECT_TRUE(seen.drops.empty());
  ASSERT_EQ(seen.records.size(), 3u);
  EXPECT_EQ(seen.records[1].payload, payload('b', 100));
  EXPECT_EQ(seen.records[1].offset, 7u + 100u);
}

TEST(WalScan, ARecordSpanningBlocksIsReassembled) {
  WalBuilder w;
  w.add(payload('x', 10));
  const std::string big = payload('y', 3 * wal::kBlockSize);  // FIRST, MIDDLE, MIDDLE, LAST
  w.add(big);
  w.add(payload('z', 10));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 3u);
  ASSERT_EQ(seen.records.size(), 3u);
  EXPECT_EQ(seen.records[1].payload, big);
  EXPECT_TRUE(seen.records[1].verified);
  EXPECT_FALSE(s.torn());
}

TEST(WalScan, BlockTrailerIsPaddingNotDamage) {
  WalBuilder w;
  // Leave 5 bytes in the first block: too few for a header, so zeros.
  w.add(payload('a', wal::kBlockSize - 7 - 5));
  const uint64_t second = w.add(payload('b', 20));
  EXPECT_EQ(second, wal::kBlockSize);
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 2u);
  EXPECT_TRUE(seen.drops.empty());
}

TEST(WalScan, ExactlyAHeaderLeftGetsAnEmptyFirstFragment) {
  WalBuilder w;
  w.add(payload('a', wal::kBlockSize - 7 - 7));  // 7 bytes left: the writer emits an empty FIRST there
  w.add(payload('b', 20));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 2u);
  EXPECT_TRUE(seen.drops.empty());
  EXPECT_EQ(seen.records[1].payload, payload('b', 20));
  EXPECT_EQ(seen.records[1].offset, wal::kBlockSize - 7);
}

TEST(WalScan, ChecksumMismatchDropsTheRestOfTheBlockWithItsIntactRecords) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t bad = w.add(payload('b', 100));
  w.add(payload('c', 100));  // intact, same block: RocksDB drops it too
  w.add(payload('d', wal::kBlockSize));  // reaches into the next block
  w.add(payload('e', 100));
  w.bytes()[bad + 7 + 50] ^= 0x40;
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_TRUE(s.damaged());
  EXPECT_FALSE(s.torn());
  ASSERT_TRUE(s.first_drop);
  EXPECT_EQ(s.first_drop->offset, bad);
  EXPECT_EQ(s.first_drop->problem, Problem::ChecksumMismatch);
  EXPECT_EQ(s.first_drop->bytes, wal::kBlockSize - bad);
  ASSERT_EQ(seen.records.size(), 5u);
  EXPECT_TRUE(seen.records[0].replayed);
  EXPECT_FALSE(seen.records[1].replayed);  // the damaged one, found at its own length
  EXPECT_FALSE(seen.records[1].verified);
  EXPECT_FALSE(seen.records[2].replayed);  // intact, lost with its block
  EXPECT_TRUE(seen.records[2].verified);
  EXPECT_FALSE(seen.records[3].replayed);  // its FIRST was in the dropped block: its LAST is an orphan
  EXPECT_TRUE(seen.records[3].verified);
  EXPECT_TRUE(seen.records[4].replayed);
  EXPECT_EQ(s.replayed, 2u);
  EXPECT_EQ(s.lost, 3u);
  EXPECT_EQ(seen.drops.back().problem, Problem::BrokenRecord);  // the orphan LAST
}

TEST(WalScan, DamageInALaterFragmentPointsAtThatFragment) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t first = w.add(payload('b', 2 * wal::kBlockSize));  // FIRST, MIDDLE, LAST
  w.add(payload('c', 100));
  w.bytes()[wal::kBlockSize + 7 + 10] ^= 1;  // inside the MIDDLE
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.first_drop->offset, first);  // the record it broke starts here...
  EXPECT_EQ(s.first_drop->problem, Problem::BrokenRecord);
  EXPECT_EQ(s.cause().offset, wal::kBlockSize);  // ...the damage is here
  EXPECT_EQ(s.cause().problem, Problem::ChecksumMismatch);
  ASSERT_EQ(seen.records.size(), 3u);
  EXPECT_FALSE(seen.records[1].replayed);
  EXPECT_FALSE(seen.records[1].verified);  // rebuilt from its three fragments, one damaged
  EXPECT_EQ(seen.records[1].payload.size(), 2 * wal::kBlockSize);
  EXPECT_TRUE(seen.records[2].replayed);
  EXPECT_TRUE(s.damaged());
}

TEST(WalScan, GarbageOverALengthIsFoundAgainByChecksum) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t bad = w.add(payload('b', 100));
  const uint64_t after = w.add(payload('c', 100));
  w.add(payload('d', wal::kBlockSize));
  w.bytes()[bad + 4] = '\x30';  // length 0x..30: its next header is not where it says
  Seen seen;
  const wal::Summary s = scan(w, seen);
  ASSERT_TRUE(s.first_drop);
  EXPECT_EQ(s.first_drop->offset, bad);
  ASSERT_GE(seen.records.size(), 3u);
  EXPECT_EQ(seen.records[1].offset, after);  // resynchronised on the next good header
  EXPECT_TRUE(seen.records[1].verified);
  EXPECT_GT(s.unreadable_bytes, 100u);       // the damaged record itself
  EXPECT_TRUE(s.damaged());
}

TEST(WalScan, LengthPastTheBlockMidFileIsDamage) {
  WalBuilder w;
  const uint64_t bad = w.add(payload('a', 100));
  w.add(payload('b', wal::kBlockSize));
  w.bytes()[bad + 5] = '\xff';  // length ~64 K: past the block
  Seen seen;
  const wal::Summary s = scan(w, seen);
  ASSERT_TRUE(s.first_drop);
  EXPECT_EQ(s.first_drop->problem, Problem::BadLength);
  EXPECT_TRUE(s.damaged());
}

TEST(WalScan, GarbledLengthInTheLastBlockLooksCutButIsDamage) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t bad = w.add(payload('b', 100));
  w.add(payload('c', 100));
  w.bytes()[bad + 5] = '\x30';  // past the end of the file: RocksDB stops reading this log here
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.first_drop->offset, bad);
  EXPECT_EQ(s.first_drop->problem, Problem::CutShort);
  EXPECT_EQ(s.replayed, 1u);
  EXPECT_TRUE(s.damaged()) << "a whole record follows: silently lost by RocksDB, damage to us";
  EXPECT_TRUE(seen.records.back().verified);
  EXPECT_FALSE(seen.records.back().replayed);
}

TEST(WalScan, HeaderCutByEndOfFileIsATornTail) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t good_end = w.bytes().size();
  w.add(payload('b', 100));
  w.bytes().resize(good_end + 4);
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_FALSE(s.damaged());
  EXPECT_TRUE(s.torn());
  EXPECT_EQ(s.torn_bytes(), 4u);
  EXPECT_EQ(s.replayed_end, good_end);
  EXPECT_EQ(s.first_drop->problem, Problem::CutShort);
}

TEST(WalScan, PayloadCutByEndOfFileIsATornTail) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t good_end = w.bytes().size();
  w.add(payload('b', 100));
  w.bytes().resize(w.bytes().size() - 3);
  const wal::Summary s = wal::scan(w.bytes(), w.log_number());
  EXPECT_TRUE(s.torn());
  EXPECT_EQ(s.torn_bytes(), 104u);
  EXPECT_EQ(s.replayed_end, good_end);
}

TEST(WalScan, FirstFragmentWithoutItsLastAtEndOfFileIsATornTail) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t good_end = w.bytes().size();
  w.add(payload('b', 2 * wal::kBlockSize));
  w.bytes().resize(wal::kBlockSize + 1000);  // FIRST whole, MIDDLE cut
  const wal::Summary s = wal::scan(w.bytes(), w.log_number());
  EXPECT_TRUE(s.torn());
  EXPECT_EQ(s.replayed_end, good_end);
}

TEST(WalScan, GarbageInTheLastRecordIsATornTailNotDamage) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t last = w.add(payload('b', 100));
  w.bytes().replace(last + 30, test::kGarbage.size(), test::kGarbage);
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_FALSE(s.damaged());
  EXPECT_TRUE(s.torn());
  EXPECT_EQ(s.torn_bytes(), 107u);
  ASSERT_EQ(seen.records.size(), 2u);
  EXPECT_FALSE(seen.records[1].verified);  // found at its own length, checksum wrong
}

TEST(WalScan, ZeroFilledTailIsATornTail) {
  WalBuilder w;
  w.add(payload('a', 100));
  const uint64_t good_end = w.bytes().size();
  w.bytes().append(5000, '\0');  // space the file system allocated, never written
  const wal::Summary s = wal::scan(w.bytes(), w.log_number());
  EXPECT_TRUE(s.torn());
  EXPECT_EQ(s.torn_bytes(), 5000u);
  EXPECT_EQ(s.replayed_end, good_end);
  EXPECT_EQ(s.first_drop->problem, Problem::ZeroedHeader);
  EXPECT_EQ(s.unreadable_bytes, 0u);
}

TEST(WalScan, ZeroedHeaderMidFileIsDamageRocksDbWouldNotReport) {
  WalBuilder w;
  const uint64_t zeroed = w.add(payload('a', 100));
  w.add(payload('b', 100));
  w.add(payload('c', wal::kBlockSize));
  w.bytes().replace(zeroed, 7, std::string(7, '\0'));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_TRUE(s.damaged());
  EXPECT_EQ(s.first_drop->problem, Problem::ZeroedHeader);
  EXPECT_EQ(s.first_drop->offset, zeroed);
}

TEST(WalScan, UnknownTypeWithAGoodChecksumIsDropped) {
  WalBuilder w;
  w.add(payload('a', 10));
  const uint64_t odd = w.bytes().size();
  w.physical(12, payload('?', 10));
  w.add(payload('b', 10));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  ASSERT_TRUE(s.first_drop);
  EXPECT_EQ(s.first_drop->problem, Problem::UnknownType);
  EXPECT_EQ(s.first_drop->offset, odd);
  EXPECT_EQ(seen.replayed(), 2u);  // only that record goes
  EXPECT_TRUE(s.damaged());
}

TEST(WalScan, MiddleWithoutFirstIsABrokenRecord) {
  WalBuilder w;
  w.add(payload('a', 10));
  w.physical(WalBuilder::kMiddle, payload('m', 10));
  w.physical(WalBuilder::kLast, payload('l', 10));
  w.add(payload('b', 10));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 2u);
  ASSERT_GE(seen.drops.size(), 2u);
  EXPECT_EQ(seen.drops[0].problem, Problem::BrokenRecord);
}

TEST(WalScan, RecyclableHeadersCarryTheLogNumber) {
  WalBuilder w(42, true);
  w.add(payload('a', 100));
  w.add(payload('b', 2 * wal::kBlockSize));
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 2u);
  EXPECT_EQ(seen.records[1].payload, payload('b', 2 * wal::kBlockSize));
  EXPECT_FALSE(s.torn());
}

TEST(WalScan, ARecycledFilesOldRecordsEndTheLog) {
  WalBuilder old_use(41, true);
  old_use.add(payload('o', 100));
  old_use.add(payload('o', 100));
  WalBuilder w(42, true);
  w.add(payload('a', 100));
  const uint64_t end = w.bytes().size();
  w.bytes() += old_use.bytes().substr(end);  // the previous use's bytes after ours
  Seen seen;
  const wal::Summary s = scan(w, seen);
  EXPECT_EQ(s.replayed, 1u);
  EXPECT_EQ(s.first_drop->problem, Problem::OldRecord);
  EXPECT_EQ(s.first_drop->offset, end);
}

TEST(WalScan, EmptyFileIsClean) {
  const wal::Summary s = wal::scan("", 1);
  EXPECT_FALSE(s.damaged());
  EXPECT_FALSE(s.torn());
}

TEST(WalBatch, DecodesWhatALostRecordHeld) {
  WalBuilder w;
  w.add(test::queue_batch(100, "dev", 1, 3));
  const uint64_t bad = w.add(test::queue_batch(103, "dev", 4, 5));
  w.add(payload('x', wal::kBlockSize));
  w.bytes()[bad + 7 + 60] ^= 1;  // inside a value: the batch still decodes
  Seen seen;
  (void)scan(w, seen);
  ASSERT_GE(seen.records.size(), 2u);
  int puts = 0;
  ASSERT_TRUE(wal::for_each_op(seen.records[1].payload, wal::FamilyIds::creation_order(), [&](const wal::Op& op) {
                EXPECT_EQ(op.family, Family::Queue);
                puts += op.kind == wal::OpKind::Put;
              }).ok);
  EXPECT_EQ(puts, 5);
  EXPECT_EQ(wal::read_batch_header(seen.records[1].payload)->sequence, 103u);
  EXPECT_FALSE(wal::for_each_op("not a batch", wal::FamilyIds::creation_order(), [](const wal::Op&) {}).ok);
}

}  // namespace
}  // namespace edgemq::storage
