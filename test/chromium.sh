# Headless Debian chromium for the report tests and bench (sourced).
# chromium_dump FILE.html OUT.dom ERR [SCREENSHOT.png]: loads FILE#selftest,
# writes the DOM after the page's self-check to OUT.dom and chromium's
# stderr (console messages included) to ERR; with a screenshot path, also
# shoots the page (a second load, without the self-check).
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
chromium_run() {
  prof=$(mktemp -d)
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" --enable-logging=stderr --v=0 --hide-scrollbars "$@"
  rc=$?
  rm -rf "$prof"
  return $rc
}
chromium_dump() {
  html=$(readlink -f "$1")
  chromium_run --virtual-time-budget=10000 --dump-dom "file://$html#selftest" >"$2" 2>"$3" || return 1
  if [ -n "${4:-}" ]; then
    chromium_run --window-size=1280,3000 --screenshot="$4" "file://$html" >/dev/null 2>>"$3" || return 1
  fi
  return 0
}
# Console messages chromium logged from the page (none is a clean load).
chromium_console() {
  grep -E 'CONSOLE|Uncaught' "$1" || true
}
