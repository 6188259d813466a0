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

# The JACK server runs its cycle on a real-time thread, as an audio setup does: without it, a busy
# machine delays the cycles and the sound reaching the output drifts by tens to thousands of ms
# (seen from outside by the Observed.* tests, with a parallel compile beside them), while the
# player's clock cannot see it. Where real-time scheduling is not allowed (an unprivileged user
# without rtprio), the server runs without it and says so.
reelsync_start_audio() {
  if jack_lsp >/dev/null 2>&1; then return 0; fi
  # jackd -R carries on without real time when it is not allowed, so ask the scheduler first.
  local mode=--no-realtime
  if chrt -f 10 true 2>/dev/null; then mode=-R; fi
  jackd "$mode" -d dummy -r 48000 -p 256 >/dev/null 2>&1 &
  REELSYNC_STARTED_PIDS+=($!)
  for _ in $(seq 1 50); do
    if jack_lsp >/dev/null 2>&1; then
      if [ "$mode" = -R ]; then
        echo "services: JACK dummy server at 48 kHz (real-time)"
      else
        echo "services: JACK dummy server at 48 kHz, without real-time scheduling (not allowed here): real-time tests may fail on a busy machine" >&2
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "services: JACK did not start" >&2; return 1
}
