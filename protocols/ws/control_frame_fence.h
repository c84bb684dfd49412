// Keeps WebSocket control frames whole on their way into wslay.
//
// Why: wslay 1.1.1 (Debian 12) checks a close frame's reason as UTF-8 per
// chunk it reads and skips the first two bytes of every chunk, not only the
// status code at the start of the payload. A close frame cut across reads
// (the socket's, or wslay's own 4 KiB buffer's) was therefore judged
// differently from the same frame read whole: a good reason could draw 1007,
// a bad one could pass. A control frame is at most 2 + 4 + 125 bytes
// [RFC 6455 5.5], so holding one back until it is complete costs little.
//
// The fence follows frame boundaries in the bytes handed over (headers only;
// payloads are skipped by length) and says how many of the next bytes may go
// without cutting a control frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace edgemq::ws {

class ControlFrameFence {
 public:
  // The most a frame can span that the fence holds back.
  static constexpr size_t kMaxControlFrame = 2 + 4 + 125;

  // `next` continues the stream where the bytes already taken ended. Returns
  // how many of its first `limit` bytes may be handed over now: all of them
  // up to the first control frame that is not complete within them.
  size_t take(std::span<const uint8_t> next, size_t limit);
  // Everything taken so far ends a frame, and no fragmented message is
  // open: a fresh parser could take over from here.
  bool at_message_boundary() const { return header_len_ == 0 && payload_left_ == 0 && !mid_message_; }

 private:
  // A data frame's header, which may arrive in pieces.
  uint8_t header_[14] = {};
  size_t header_len_ = 0;
  uint64_t payload_left_ = 0;  // of the current data frame
  bool mid_message_ = false;   // the last data frame had no FIN
};

}  // namespace edgemq::ws
