#!/bin/sh
# What the tests need beyond Python packages: a PostgreSQL built with TLS
# (the embedded server is not), for the DATABASE_URL sslmode=verify-full test;
# Debian's Chromium for the console's browser tests, and a CJK font for
# their screenshots and the PDFs' Chinese text.
set -eu

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

with_tls() {
    for config in /usr/lib/postgresql/*/bin/pg_config; do
        [ -x "$config" ] && "$config" --configure | grep -q -e --with-openssl -e --with-ssl=openssl && return 0
    done
    return 1
}

CJK_FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

if ! with_tls; then
    echo "installing Debian's PostgreSQL (built with TLS) for the TLS test"
    apt_install postgresql || true
    with_tls || echo "no PostgreSQL built with TLS could be installed: the TLS test will fail" >&2
fi

if [ ! -x /usr/bin/chromium ] || [ ! -f "$CJK_FONT" ]; then
    echo "installing Debian's Chromium and a CJK font for the console's browser tests"
    apt_install chromium fonts-wqy-microhei || true
    [ -x /usr/bin/chromium ] || echo "no Chromium could be installed: the browser tests will fail" >&2
    [ -f "$CJK_FONT" ] || echo "no CJK font could be installed: the PDF tests will fail" >&2
fi
