#!/usr/bin/env bash
# Installs kubectl where it is missing (Debian's kubernetes-client): the manifests test runs
# `kubectl apply -k deploy/kubernetes --dry-run=client` on every build. Needs root or passwordless sudo, and the Debian
# package mirror.
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  sudo="sudo -n"
fi
echo "install-kubectl: installing kubernetes-client from Debian ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends kubernetes-client >&2
command -v kubectl >/dev/null
