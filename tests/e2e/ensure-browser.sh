#!/usr/bin/env bash
# Makes sure Debian's Chromium and the CJK fonts it needs to draw Korean are installed.
# Never downloads a browser of its own (no `playwright install`): the browser comes from apt.
# As root it installs what is missing; otherwise it says in one line how to.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Browser tests need ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (Debian's packages; no browser download)" >&2
    exit 1
fi
echo "Installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
[ -x "$CHROMIUM" ] || { echo "apt-get installed ${missing[*]} but $CHROMIUM is still missing" >&2; exit 1; }
