#!/usr/bin/env bash
# Headless Chromium for the end-to-end browser test: Debian's package, driven by Playwright.
command -v chromium >/dev/null && exit 0
command -v apt-get >/dev/null || { echo "no chromium: the browser test will be skipped"; exit 0; }
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
($SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null) \
  || echo "could not install chromium: the browser test will be skipped"
