# Starts moto_server (an S3-compatible service, from Python's moto package) on loopback and exports
# IDRP_TEST_S3 with its URL. Source this file; call start_test_s3, and stop_test_s3 when done.

start_test_s3() {
  # The machine image ships Python's moto (5.x) with its server; PyPI is not reachable from here.
  command -v moto_server >/dev/null || { echo "moto_server is missing: install Python's moto with its server extra" >&2; return 1; }
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  IDRP_S3_LOG=$(mktemp /tmp/idrp-moto.XXXXXX.log)
  moto_server -H 127.0.0.1 -p "$port" >"$IDRP_S3_LOG" 2>&1 &
  IDRP_S3_PID=$!
  export IDRP_S3_PID IDRP_S3_LOG
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then
      export IDRP_TEST_S3="http://127.0.0.1:$port"
      echo "moto S3 on 127.0.0.1:$port"
      return 0
    fi
    sleep 0.2
  done
  cat "$IDRP_S3_LOG" >&2
  return 1
}

stop_test_s3() {
  if [ -n "${IDRP_S3_PID:-}" ]; then
    kill "$IDRP_S3_PID" 2>/dev/null || true
    wait "$IDRP_S3_PID" 2>/dev/null || true
    rm -f "$IDRP_S3_LOG"
  fi
}
