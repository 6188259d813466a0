#!/usr/bin/env bash
# Configures and builds reelsync (and its tests) into build/. Usage: scripts/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREELSYNC_WERROR=ON -DREELSYNC_BUILD_TESTS=ON "$@" > build.cmake.log 2>&1 || { cat build.cmake.log; exit 1; }
rm -f build.cmake.log
cmake --build build -j"$(nproc)"
