"""The Vulkan device to name for mpv: a CPU device (lavapipe) must be named, as mpv skips such
devices by default. Shared by the scripts that measure mpv beside reelsync."""
import subprocess

def vulkan_device():
    try:
        out = subprocess.run(["vulkaninfo", "--summary"], capture_output=True, text=True).stdout
    except OSError:
        return []
    for line in out.splitlines():
        if line.strip().startswith("deviceName"):
            return ["--vulkan-device=" + line.split("=", 1)[1].strip()]
    return []
