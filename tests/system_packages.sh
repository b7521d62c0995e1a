#!/bin/sh
# What the tests need beyond Python packages: a PostgreSQL built with TLS
# (the embedded server is not), for the DATABASE_URL sslmode=verify-full test;
# a CJK font, embedded in the payslip PDFs.
set -eu

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_install() {
    $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing fonts-wqy-microhei for the PDFs' Chinese text"
    apt_install fonts-wqy-microhei || echo "no CJK font could be installed: the PDF tests will fail" >&2
fi

with_tls() {
    for config in /usr/lib/postgresql/*/bin/pg_config; do
        [ -x "$config" ] && "$config" --configure | grep -q -e --with-openssl -e --with-ssl=openssl && return 0
    done
    return 1
}

with_tls && exit 0
if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's PostgreSQL (built with TLS) for the TLS test"
    apt_install postgresql
fi
with_tls || echo "no PostgreSQL built with TLS could be installed: the TLS test will fail" >&2
