#!/usr/bin/env python3
"""Compare smoothness: takes played side by side (2 at 720p30) and in a 2x2 grid (4) in a 1280x720
window for SECONDS each, reelsync and mpv in the same run, same takes, window size and Vulkan
driver. reelsync's drops come from its stats (a frame whose present was skipped); mpv's from its
"frame-drop-count", "decoder-frame-drop-count", "vo-delayed-frame-count" and "mistimed-frame-count"
properties read over its JSON IPC at the end, with
the takes stacked by `--lavfi-complex` (hstack; xstack for the grid).

Usage: bench-compare.py SECONDS   (needs a display and the JACK server, as scripts/test.sh starts)
"""
import json, os, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpv_vulkan import vulkan_device  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEDIA = os.path.join(ROOT, "build", "bench-media", "compare")

def take(i, seconds):
    path = os.path.join(MEDIA, f"take{i}_720p30_{seconds}s.mp4")
    if not os.path.exists(path):
        os.makedirs(MEDIA, exist_ok=True)
        # testsrc2 with a different hue per take: four takes of one shot, not identical.
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=30:d={seconds}",
                        "-vf", f"hue=h={i * 40}", "-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p", path],
                       check=True)
    return path

def reelsync(takes, mode, seconds):
    stats = os.path.join(MEDIA, f"stats_{mode}.jsonl")
    subprocess.run([os.path.join(ROOT, "build", "reelsync"), "compare", *takes, "--mode", mode, "--width", "1280", "--height", "720",
                    "--duration", str(seconds), "--stats", stats], check=True, capture_output=True)
    summary = {}
    presents = 0
    for line in open(stats):
        j = json.loads(line)
        if "frame" in j:
            presents += 1
        else:
            summary = j
    return presents, summary.get("dropped", -1), summary.get("avsync_ms_max", -1)

def mpv(takes, seconds):
    sock_path = os.path.join(tempfile.mkdtemp(), "mpv.sock")
    n = len(takes)
    if n == 2:
        graph = "[vid1][vid2]hstack=inputs=2[vo]"
    else:
        graph = "[vid1][vid2][vid3][vid4]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[vo]"
    args = ["mpv", "--no-config", "--really-quiet", "--input-ipc-server=" + sock_path, "--vo=gpu-next", "--gpu-api=vulkan",
            "--ao=jack,null", "--geometry=1280x720", "--keep-open=yes", "--force-window=yes", "--lavfi-complex=" + graph,
            *vulkan_device(), takes[0], *["--external-file=" + t for t in takes[1:]]]
    env = dict(os.environ)
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
    proc = subprocess.Popen(args, env=env)
    for _ in range(200):
        if os.path.exists(sock_path):
            break
        time.sleep(0.05)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    time.sleep(seconds)
    def get(prop):
        s.sendall((json.dumps({"command": ["get_property", prop], "request_id": 1}) + "\n").encode())
        buf = b""
        s.settimeout(2)
        while True:
            buf += s.recv(65536)
            for line in buf.split(b"\n"):
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                if j.get("request_id") == 1:
                    return j.get("data")
    # (With --lavfi-complex mpv has no estimated frame number: the time played says how far it got.)
    got = {p: get(p) for p in ("time-pos", "frame-drop-count", "decoder-frame-drop-count", "vo-delayed-frame-count", "mistimed-frame-count")}
    got = {k: ("n/a" if v is None and k != "time-pos" else v) for k, v in got.items()}  # not every property exists with a filter graph
    s.sendall(b'{"command": ["quit"]}\n')
    proc.wait(timeout=10)
    return got

def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    takes = [take(i, seconds + 2) for i in range(4)]
    print(f"compare smoothness, {seconds} s each, 1280x720 window, takes 1280x720 at 30 fps")
    for label, ts, mode in (("2 side by side", takes[:2], "side"), ("4 in a grid", takes, "grid")):
        presents, dropped, avmax = reelsync(ts, mode, seconds)
        print(f"reelsync {label}: {presents} presents, {dropped} dropped, A/V max {avmax:.1f} ms")
        try:
            m = mpv(ts, seconds)
            print(f"mpv      {label}: {m['time-pos'] or 0:.1f} s played, {m['frame-drop-count']} dropped by the output, "
                  f"{m['decoder-frame-drop-count']} by the decoder, {m['vo-delayed-frame-count']} delayed, "
                  f"{m['mistimed-frame-count']} mistimed")
        except (OSError, RuntimeError, subprocess.SubprocessError, ConnectionError) as e:
            print(f"mpv      {label}: not measured ({e})")

if __name__ == "__main__":
    main()
