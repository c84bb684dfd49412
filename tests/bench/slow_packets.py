# Slow-packet attack, for measuring what unfinished packets cost the gateway
# (docs/benchmarks.md, "Memory under attack"). N connections: each sends
# CONNECT, then a QoS 0 PUBLISH whose remaining length is SIZE bytes, the
# first FIRST bytes of its payload as fast as the socket takes them, then one
# byte every TRICKLE seconds, for DURATION seconds; the broker's VmRSS is
# sampled meanwhile and after the connections are closed.
#
# usage: python3 slow_packets.py PORT N SIZE FIRST TRICKLE DURATION BROKER_PID
# Sends to 127.0.0.1 only.
import socket
import struct
import sys
import time

TOPIC = b"t/slow"


def rss(pid):
    """The broker's VmRSS in bytes, or -1 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def varint(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def connect_packet(client_id):
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack(">H", len(client_id)) + client_id
    return b"\x10" + varint(len(body)) + body


class Attacker:
    def __init__(self, port, index, size, first):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(connect_packet(b"slow%d" % index))
        self.sock.settimeout(5)
        self.sock.recv(4)  # CONNACK
        self.sock.setblocking(False)
        payload = size - 2 - len(TOPIC)
        sent_first = min(first, payload - 1)
        self.data = b"\x30" + varint(size) + struct.pack(">H", len(TOPIC)) + TOPIC + b"x" * sent_first
        self.off = 0
        self.left = payload - sent_first - 1  # the last byte never goes
        self.closed_by_broker = False

    def open(self):
        return self.sock is not None

    def pump(self):
        if self.open() and self.off < len(self.data):
            try:
                self.off += self.sock.send(self.data[self.off:])
            except BlockingIOError:
                pass
            except OSError:
                self.sock = None

    def trickle(self):
        if self.open() and self.off >= len(self.data) and self.left > 0:
            try:
                self.sock.send(b"x")
                self.left -= 1
            except BlockingIOError:
                pass
            except OSError:
                self.sock = None

    def poll_closed(self):
        if not self.open():
            return
        try:
            if self.sock.recv(100) == b"":
                self.closed_by_broker = True
                self.sock = None
        except BlockingIOError:
            pass
        except OSError:
            self.closed_by_broker = True
            self.sock = None

    def close(self):
        if self.open():
            self.sock.close()
            self.sock = None


def main():
    port, n, size, first = (int(a) for a in sys.argv[1:5])
    trickle, duration = float(sys.argv[5]), float(sys.argv[6])
    pid = int(sys.argv[7])
    mib = 1 << 20
    base = rss(pid)
    start = time.time()
    attackers = [Attacker(port, i, size, first) for i in range(n)]
    peak, last_trickle = base, time.time()
    while time.time() - start < duration:
        for a in attackers:
            a.pump()
        if time.time() - last_trickle >= trickle:
            last_trickle = time.time()
            for a in attackers:
                a.trickle()
        for a in attackers:
            a.poll_closed()
        peak = max(peak, rss(pid))
        time.sleep(0.2)
    closed = sum(a.closed_by_broker for a in attackers)
    sent = sum(a.off for a in attackers)
    print(f"base_rss={base / mib:.1f}MiB peak_rss={peak / mib:.1f}MiB closed_by_broker={closed} "
          f"sent={sent / mib:.1f}MiB", flush=True)
    for a in attackers:
        a.close()
    closed_at = time.time()
    for t in (1, 3, 6, 10, 25):
        while time.time() - closed_at < t:
            time.sleep(0.05)
        print(f"after close +{t}s: {rss(pid) / mib:.1f}MiB", flush=True)


if __name__ == "__main__":
    main()
