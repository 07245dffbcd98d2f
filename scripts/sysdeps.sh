#!/usr/bin/env bash
# Install the Debian packages the project needs, when they are missing.
# Usage: scripts/sysdeps.sh run|test
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail

RUN_PKGS=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation
          poppler-utils)
# Typefaces of the business card corpus (crm/cardscan/corpus.py): tuning on more than one.
TEST_FONT_PKGS=(fonts-lato fonts-open-sans fonts-freefont-ttf fonts-crosextra-carlito)
TEST_PKGS=("${RUN_PKGS[@]}" "${TEST_FONT_PKGS[@]}" chromium dovecot-imapd redis-server gettext)  # redis-server: outage test; gettext: make messages

case "${1:-run}" in
  run) wanted=("${RUN_PKGS[@]}") ;;
  test) wanted=("${TEST_PKGS[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# npm installs axe-core for the browser tests (scripts/test.sh); any npm on the PATH will do.
if [ "${1:-run}" = test ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
