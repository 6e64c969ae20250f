#!/usr/bin/env bash
# Debian packages the tests need beyond Chromium: pdftotext (poppler-utils) to read rendered PDFs, Noto fonts
# for Latin and Tamil (as the Dockerfile installs), and the
# Django integration's real stack (Django, Celery, PyJWT, requests, redis-py, pytest for /usr/bin/python3,
# venv/setuptools/wheel/pip for the README walk-through's offline `pip install`, and redis-server). Installs them when missing and running as root; otherwise prints the command.
set -euo pipefail
packages=(poppler-utils fonts-noto-core python3-django python3-celery python3-jwt python3-requests python3-redis python3-pytest python3-venv python3-setuptools python3-wheel python3-pip redis-server)
if command -v pdftotext >/dev/null && command -v redis-server >/dev/null && fc-list | grep -q 'Noto Sans Tamil' &&
  /usr/bin/python3 -c 'import django, celery, jwt, requests, redis, pytest, venv, ensurepip, setuptools, wheel' 2>/dev/null; then
  exit 0
fi
install="apt-get update && apt-get install -y ${packages[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "Test packages missing. Install them as root:" >&2
  echo "  $install" >&2
  exit 1
fi
echo "installing test packages: ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
