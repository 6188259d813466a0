# Sourced by the scripts: starts the services playback needs on a machine with no display and no
# sound card (a virtual X display and a JACK server on its dummy backend), remembers their PIDs and
# stops only those on exit. Services that already run (a real DISPLAY, a JACK server) are used as they are.

: "${XDG_RUNTIME_DIR:=/tmp/reelsync-runtime-$(id -u)}"
export XDG_RUNTIME_DIR
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export JACK_NO_START_SERVER=1

REELSYNC_STARTED_PIDS=()
reelsync_stop_services() {
  for pid in "${REELSYNC_STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${REELSYNC_STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  REELSYNC_STARTED_PIDS=()
}

reelsync_start_display() {
  if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then return 0; fi
  local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
  Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
  REELSYNC_STARTED_PIDS+=($!)
  local n; read -r -t 10 n <"$fifo" || true; rm -f "$fifo"
  if [ -z "${n:-}" ]; then echo "services: Xvfb did not start" >&2; return 1; fi
  export DISPLAY=":$n"
  echo "services: Xvfb on $DISPLAY"
}

reelsync_start_audio() {
  if jack_lsp >/dev/null 2>&1; then return 0; fi
  jackd --no-realtime -d dummy -r 48000 -p 256 >/dev/null 2>&1 &
  REELSYNC_STARTED_PIDS+=($!)
  for _ in $(seq 1 50); do jack_lsp >/dev/null 2>&1 && { echo "services: JACK dummy server at 48 kHz"; return 0; }; sleep 0.1; done
  echo "services: JACK did not start" >&2; return 1
}
