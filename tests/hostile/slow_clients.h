// Clients that begin packets and do not finish them, for the memory cases
// (issue 13, part 3): each connects, sends the fixed header of a QoS 0
// PUBLISH that declares `packet_bytes`, as much of the body as the gateway
// takes up to `first_bytes`, then one byte whenever trickle() is called.
// Sockets are non-blocking, so a gateway that stops reading them holds up
// nothing here. And the gateway's memory as the kernel counts it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace edgemq::itest {

class SlowPublishers {
 public:
  SlowPublishers(int port, size_t count, size_t packet_bytes, size_t first_bytes, std::string prefix);
  ~SlowPublishers();  // closes what is still open
  SlowPublishers(const SlowPublishers&) = delete;
  SlowPublishers& operator=(const SlowPublishers&) = delete;

  // Connects every client (CONNECT, CONNACK 0); pump() sends the packets.
  ::testing::AssertionResult open();
  // Sends more of each first part, as far as each socket takes it, at most
  // `limit` bytes per connection (0: no limit).
  void pump(size_t limit = 0);
  // One more byte on every connection whose first part is out (the packet
  // stays unfinished: a byte short of its end at most).
  void trickle();
  // Looks for connections the gateway closed; how many it has so far.
  size_t closed_by_gateway();
  uint64_t bytes_sent() const;
  void close_all();

 private:
  struct Client {
    int fd = -1;
    std::string first;  // header and the first part of the body
    size_t sent = 0;    // of `first`
    size_t left = 0;    // body bytes that trickle() may still send (all but the last)
    bool closed_by_gateway = false;
  };
  int port_;
  size_t count_;
  size_t packet_bytes_;
  size_t first_bytes_;
  std::string prefix_;
  std::vector<Client> clients_;
  uint64_t trickled_ = 0;
};

// The process's resident memory (VmRSS of /proc/PID/status), bytes; 0 if gone.
uint64_t process_rss(pid_t pid);

// Bytes in MiB, for messages.
inline double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace edgemq::itest
