#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver where they are missing: the dashboard's browser test (headless, inside the
# test command) drives them through Selenium. Needs root or passwordless sudo, and the Debian package mirror.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  sudo="sudo -n"
fi
echo "install-browser: installing chromium and chromium-driver from Debian ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
command -v chromium >/dev/null && command -v chromedriver >/dev/null
