#include "tests/hostile/fault_support.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "tests/integration/admin_support.h"
#include "tests/integration/gateway_process.h"

namespace edgemq::itest {

bool hostile_long() { return std::getenv("EDGEMQ_HOSTILE_LONG") != nullptr; }

TmpfsMount::TmpfsMount(uint64_t bytes) : path_(make_temp_dir("edgemq-tmpfs")) {
  const std::string options = "size=" + std::to_string(bytes);
  mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_ && ::umount(path_.c_str()) != 0) ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

uint64_t TmpfsMount::free_bytes() const {
  struct statvfs fs {};
  if (::statvfs(path_.c_str(), &fs) != 0) return 0;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

uint64_t fill_with_ballast(const std::string& path, uint64_t leave_free) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return 0;
  static const std::vector<char> zeros(64 * 1024, 0);
  uint64_t written = 0;
  for (;;) {
    struct statvfs fs {};
    if (::fstatvfs(fd, &fs) != 0) break;
    const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free <= leave_free) break;
    const size_t chunk = std::min<uint64_t>(zeros.size(), free - leave_free);
    const ssize_t n = ::write(fd, zeros.data(), chunk);
    if (n <= 0) break;  // full
    written += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return written;
}

PublishOutcome publish_until_refused(RawClient& c, const std::string& topic, const std::string& prefix,
                                     uint64_t count, size_t payload_bytes, size_t window) {
  PublishOutcome out;
  std::map<uint16_t, std::string> outstanding;  // packet id -> payload
  uint64_t sent = 0;
  uint16_t next_id = 0;
  bool stop = false;
  while (!out.closed && (!outstanding.empty() || (!stop && sent < count))) {
    while (!stop && sent < count && outstanding.size() < window) {
      next_id = static_cast<uint16_t>(next_id % 65000 + 1);
      mqtt::Publish p;
      p.topic = topic;
      p.payload = prefix + "-" + std::to_string(++sent) + "|";
      if (p.payload.size() < payload_bytes) p.payload.resize(payload_bytes, 'x');
      p.qos = 1;
      p.packet_id = next_id;
      if (!c.send(p)) {
        out.closed = true;
        break;
      }
      outstanding[next_id] = p.payload.substr(0, p.payload.find('|'));
    }
    mqtt::Packet got;
    const ReadStatus s = c.read(got, milliseconds(10000));
    if (s != ReadStatus::Packet) {
      out.closed = true;
      break;
    }
    const auto* ack = std::get_if<mqtt::Puback>(&got);
    if (ack == nullptr) continue;
    auto it = outstanding.find(ack->packet_id);
    if (it == outstanding.end()) continue;
    if (ack->reason_code < mqtt::reason::kUnspecified) {
      out.acked.insert(it->second);
    } else {
      if (out.refused++ == 0) out.first_refusal = ack->reason_code;
      stop = true;
    }
    outstanding.erase(it);
  }
  return out;
}

std::multiset<std::string> drain_persistent(int port, const std::string& client_id,
                                            std::chrono::milliseconds quiet) {
  std::multiset<std::string> got;
  RawClient c;
  if (!c.open_and_connect(port, client_id, false)) return got;
  for (;;) {
    mqtt::Packet p;
    if (c.read(p, quiet) != ReadStatus::Packet) break;
    if (auto* m = std::get_if<mqtt::Publish>(&p)) {
      if (m->qos > 0) c.send(mqtt::Puback{m->packet_id});
      got.insert(m->payload.substr(0, m->payload.find('|')));
    }
  }
  c.disconnect();
  return got;
}

std::pair<int, std::string> admin_get(int admin_port, const std::string& path) {
  const HttpResult r = curl({"http://127.0.0.1:" + std::to_string(admin_port) + path});
  return {r.status, r.body};
}

}  // namespace edgemq::itest
