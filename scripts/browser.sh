#!/usr/bin/env bash
# Headless Chromium for the checkout page's browser tests: prints the path of the browser,
# installing Debian's chromium package when it is missing and we are root (like db.sh does
# for MariaDB). CHROMIUM_PATH points at another Chromium; with none it says how to get one and
# exits 1, and the browser tests fail rather than pass without a browser.
set -euo pipefail

say() { echo "[browser] $*" >&2; }

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

if path="$(find_chromium)"; then echo "$path"; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "no Chromium found: installing Debian's chromium (a minute or two)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
  if path="$(find_chromium)"; then echo "$path"; exit 0; fi
fi
say "No Chromium is installed. Install one (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH."
exit 1
