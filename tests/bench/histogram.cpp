#include "tests/bench/histogram.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace edgemq::bench {

int Histogram::bucket_of(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  const int msb = 63 - __builtin_clzll(value);  // >= 5
  const int shift = msb - 5;                     // keeps the top six bits: 32..63
  const int index = (shift + 1) * kSubBuckets + static_cast<int>((value >> shift) - kSubBuckets);
  return std::min(index, kBuckets - 1);
}

uint64_t Histogram::bucket_low(int index) {
  if (index < kSubBuckets) return static_cast<uint64_t>(index);
  const int shift = index / kSubBuckets - 1;
  return static_cast<uint64_t>(index % kSubBuckets + kSubBuckets) << shift;
}

uint64_t Histogram::bucket_high(int index) {
  if (index < kSubBuckets) return static_cast<uint64_t>(index) + 1;
  const int shift = index / kSubBuckets - 1;
  return bucket_low(index) + (uint64_t{1} << shift);
}

void Histogram::record(uint64_t value) {
  ++buckets_[static_cast<size_t>(bucket_of(value))];
  ++count_;
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  if (fraction >= 1.0) return max_;
  const auto rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<size_t>(i)];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      // The bucket's midpoint, never above the largest value actually seen.
      const uint64_t mid = bucket_low(i) + (bucket_high(i) - bucket_low(i)) / 2;
      return std::min(mid, max_);
    }
  }
  return max_;
}

std::string Histogram::serialize() const {
  std::ostringstream out;
  out << count_ << ' ' << max_;
  for (int i = 0; i < kBuckets; ++i) {
    if (buckets_[static_cast<size_t>(i)] != 0) out << ' ' << i << ':' << buckets_[static_cast<size_t>(i)];
  }
  return out.str();
}

bool Histogram::parse(const std::string& line) {
  *this = Histogram{};
  std::istringstream in(line);
  if (!(in >> count_ >> max_)) return false;
  std::string pair;
  uint64_t total = 0;
  while (in >> pair) {
    const auto colon = pair.find(':');
    if (colon == std::string::npos) return false;
    int index = -1;
    uint64_t n = 0;
    const char* end = pair.data() + pair.size();
    if (std::from_chars(pair.data(), pair.data() + colon, index).ec != std::errc{} ||
        std::from_chars(pair.data() + colon + 1, end, n).ec != std::errc{}) {
      return false;
    }
    if (index < 0 || index >= kBuckets) return false;
    buckets_[static_cast<size_t>(index)] = n;
    total += n;
  }
  return total == count_;
}

}  // namespace edgemq::bench
