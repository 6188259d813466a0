#!/usr/bin/env bash
# Installs the Debian 12 packages reelsync builds, tests and plays with. Idempotent: installs only
# what is missing, and says what it installs.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libgtest-dev libgmock-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-tools vulkan-validationlayers glslc spirv-tools
  libglfw3-dev xvfb xauth x11-utils
  libimgui-dev libstb-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  portaudio19-dev libasound2-dev libjack-jackd2-dev libasound2-plugins jackd2
  libx11-dev libxext-dev libxtst-dev
  nlohmann-json3-dev libcli11-dev libsqlite3-dev
  libopencv-dev librubberband-dev
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# jackd2 asks whether to let unprivileged users run real time (a limits file); answer no: the test
# server asks for real-time scheduling itself and runs without it where that is not allowed.
echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
