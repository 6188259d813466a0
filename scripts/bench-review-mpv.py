#!/usr/bin/env python3
"""The same review gestures as `reelsync bench --review`, timed in mpv through its JSON IPC:
playlist-next (keypress to the next clip playing) and frame-back-step (paused, one frame back) on
the same clips, in the same window size and audio output. Prints p50/p95 in milliseconds.

"playback-restart" is mpv's event for "playback started after a seek or a file load": the first
frame of the new position is up. Usage: bench-review-mpv.py FOLDER STEP_CLIP [SWITCHES] [STEPS]
"""
import json, os, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpv_vulkan import vulkan_device  # noqa: E402

def percentile(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(-(-q * len(v) // 1)) - 1))]

class Mpv:
    def __init__(self, files, extra):
        self.sock_path = os.path.join(tempfile.mkdtemp(), "mpv.sock")
        args = ["mpv", "--no-config", "--really-quiet", "--input-ipc-server=" + self.sock_path, "--vo=gpu-next",
                "--gpu-api=vulkan", "--ao=jack,null", "--geometry=1280x720", "--keep-open=yes", "--force-window=yes"] + extra + files
        env = dict(os.environ)
        env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
        self.proc = subprocess.Popen(args, env=env)
        for _ in range(200):
            if os.path.exists(self.sock_path):
                break
            time.sleep(0.05)
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(self.sock_path)
        self.buf = b""

    def send(self, *cmd):
        self.s.sendall((json.dumps({"command": list(cmd)}) + "\n").encode())

    def wait_event(self, name, timeout=20):
        end = time.monotonic() + timeout
        self.s.settimeout(0.5)
        while time.monotonic() < end:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                try:
                    if json.loads(line).get("event") == name:
                        return time.monotonic()
                except ValueError:
                    pass
            try:
                self.buf += self.s.recv(65536)
            except socket.timeout:
                pass
        raise RuntimeError("mpv: no " + name)

    def drain(self, seconds):
        end = time.monotonic() + seconds
        self.s.settimeout(0.05)
        while time.monotonic() < end:
            try:
                self.buf += self.s.recv(65536)
            except socket.timeout:
                pass
        self.buf = b""

    def close(self):
        self.send("quit")
        self.proc.wait(timeout=10)

def main():
    folder, step_clip = sys.argv[1], sys.argv[2]
    switches = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    exts = (".mp4", ".mov", ".mkv", ".webm")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(exts))[: switches + 2]
    dev = vulkan_device()
    m = Mpv(files, dev)
    m.drain(1.5)  # the first file is up (its playback-restart may precede the connection)
    nxt = []
    for _ in range(switches):
        m.drain(0.4)
        t0 = time.monotonic()
        m.send("playlist-next")
        nxt.append(m.wait_event("playback-restart") - t0)
    m.close()
    m = Mpv([step_clip], dev)
    m.drain(3.0)
    m.send("set_property", "pause", True)
    m.drain(0.3)
    back = []
    for _ in range(steps):
        t0 = time.monotonic()
        m.send("frame-back-step")
        back.append(m.wait_event("playback-restart") - t0)
        m.drain(0.15)
    m.close()
    for name, v in (("playlist-next", nxt), ("frame-back-step", back)):
        print("mpv %-16s p50 %7.2f ms  p95 %7.2f ms  (n=%d)" % (name, percentile(v, 0.5) * 1000, percentile(v, 0.95) * 1000, len(v)))

if __name__ == "__main__":
    main()
