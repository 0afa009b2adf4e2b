#!/usr/bin/env bash
# Installs what the browser suites of @hutong/checkout need when it is missing: Debian's Chromium
# (driven by playwright-core; no browser is ever downloaded) and a CJK font, so the pages'
# Chinese renders in screenshots. Idempotent; meant for CI (`bash scripts/ensure-browser.sh`).
set -euo pipefail

missing=()
if [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then missing+=(fonts-wqy-microhei); fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ensure-browser: chromium and fonts-wqy-microhei are installed"
  exit 0
fi

echo "ensure-browser: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
/usr/bin/chromium --version
