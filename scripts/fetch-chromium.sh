#!/usr/bin/env bash
# Installs Debian's chromium for the report's browser test (headless, offline), unless a Chromium is already there
# (/usr/bin/chromium, or the binary AMALGAM_CHROMIUM names). Idempotent and quiet; exits non-zero with a message when it
# cannot be installed (the browser test then skips, saying why).
set -euo pipefail
binary="${AMALGAM_CHROMIUM:-/usr/bin/chromium}"
[ -x "$binary" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }) \
    || { echo "fetch-chromium: 'apt-get install chromium' failed" >&2; exit 1; }
else
  echo "fetch-chromium: install Debian's chromium package (needs root), or set AMALGAM_CHROMIUM to a Chromium binary" >&2
  exit 1
fi
