#!/bin/sh
# What the tests need is all here: every program a test calls, every
# Python module beyond the standard library that a test's Python imports,
# and the zone data of the C tests, each with the Debian package that
# brings it.  A test that misses one bails out, an error and never a skip;
# this one, first of the integration tests, lists at once all that is
# missing.  It also fails when a package it names is in neither list of
# scripts/deps, or when a package listed there is not installed: the lists,
# what scripts/deps --test installs, cannot drift from what the tests use.
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/deps
. "$top_srcdir/scripts/deps"
# scripts/deps sets -e for itself; here a failed check is a line, not the end.
set +e

# shellcheck disable=SC2086 # the lists are words
LISTED=" $(printf '%s ' $MEWS_BUILD_PACKAGES $MEWS_TEST_PACKAGES)"

# needed WHAT PACKAGE COMMAND...: a line that fails when the command does,
# or when scripts/deps does not install the package.
needed() {
	local what="$1" pkg="$2"; shift 2
	case $LISTED in
	*" $pkg "*) ;;
	*)
		not_ok "$what (Debian package $pkg)"
		diag "add $pkg to MEWS_TEST_PACKAGES in scripts/deps"
		return
		;;
	esac
	if "$@"; then
		ok "$what (Debian package $pkg)"
	else
		not_ok "$what (Debian package $pkg)"
		diag "install it: scripts/deps --test (apt-get install $pkg)"
	fi
}
program() { needed "program $1" "$2" have "$1"; }
module() { needed "python3 module $1" "$2" have_module "$1"; }
user() { getent passwd "$1" >/dev/null; }
# zone NAME UNIX_TIME OFFSET: glibc runs a zone it has no data for as UTC,
# silently: the offset at a known time tells.
zone() { [ "$(TZ=$1 date -d "@$2" +%z)" = "$3" ]; }
# What configure asks of clang before it builds the fuzzers.
fuzzer_builds() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    >"$TMP/fuzz.c"
	clang -fsanitize=fuzzer,address,undefined "$TMP/fuzz.c" \
	    -o "$TMP/fuzz" 2>"$TMP/fuzz.log"
}

# The tests call Debian's Python by its path, whatever python3 PATH finds:
# the helpers, free_port, the inline snippets.
program /usr/bin/python3 python3
# The simulators' readers, the history's and the web's tools.
program mbpoll mbpoll
program rrdtool rrdtool
program rrdcached rrdcached
program curl curl
program jq jq
program openssl openssl
program /usr/bin/chromium chromium
program soffice libreoffice-calc-nogui
# install.sh: the man pages and the unit; readme.sh: the README's commands.
program make build-essential
program autoreconf autoconf
program groff groff-base
program systemd-analyze systemd
program systemctl systemd
program journalctl systemd
program systemd-sysusers systemd
program systemd-tmpfiles systemd
# reports.sh: SFTP and FTPS servers (vsftpd's package makes its ftp user).
program ssh-keygen openssh-client
program /usr/sbin/sshd openssh-server
program /usr/sbin/vsftpd vsftpd
needed "user ftp" vsftpd user ftp
# mqtt.sh: the broker and its clients.
program /usr/sbin/mosquitto mosquitto
program mosquitto_passwd mosquitto
program mosquitto_sub mosquitto-clients
program mosquitto_pub mosquitto-clients
# dav.sh: cadaver on the terminal script(1) gives it.
program cadaver cadaver
program script bsdutils
# The shell's helpers beyond POSIX.
program timeout coreutils
program taskset util-linux
program mount mount
program ss iproute2
program pgrep procps
# scripts/check --deep and the fuzzers.
program valgrind valgrind
program clang clang
needed "clang builds libFuzzer targets" libclang-rt-14-dev fuzzer_builds
program llvm-symbolizer llvm

# pymodbus's client imports pyserial and serial_asyncio, only recommended.
module pymodbus python3-pymodbus
module serial python3-serial
module serial_asyncio python3-serial-asyncio
module pymodbus.client python3-pymodbus
module aiosmtpd.controller python3-aiosmtpd
module pyftpdlib.servers python3-pyftpdlib
module prometheus_client.parser python3-prometheus-client

# The C tests' zones, at 2024-07-01 12:00 UTC.
needed "zone data for Europe/Paris" tzdata zone Europe/Paris 1719835200 +0200
needed "zone data for America/Havana" tzdata \
    zone America/Havana 1719835200 -0400

# The services scripts/deps installed stay disabled and stopped: enabled
# by no runlevel's S link nor systemd's wants, and no such daemon of init's
# but the tests' own, which run on a configuration in their mews-test.*
# folder (one that forks to the background is init's child too).
daemon_of() {
	case $1 in ssh) echo sshd ;; *) echo "$1" ;; esac
}
system_daemon() {
	pgrep -P 1 -a -x "$(daemon_of "$1")" | grep -qv 'mews-test\.'
}
quiet() {
	! ls /etc/rc[2345].d/S*"$1" >/dev/null 2>&1 &&
	    ! ls /etc/systemd/system/*.wants/"$1".service >/dev/null 2>&1 &&
	    ! system_daemon "$1"
}
if [ -s "$MEWS_QUIETED" ]; then
	for s in $(cat "$MEWS_QUIETED"); do
		check "service $s, installed by scripts/deps, is neither enabled nor running" \
		    quiet "$s"
	done
else
	diag "no service was installed by scripts/deps on this machine ($MEWS_QUIETED)"
fi

# shellcheck disable=SC2086
missing=$(mews_missing_packages $MEWS_BUILD_PACKAGES $MEWS_TEST_PACKAGES)
missing=${missing% }
check "every package of scripts/deps is installed${missing:+, not: $missing}" \
    [ -z "$missing" ]
[ -z "$missing" ] || diag "install them: scripts/deps --test"
done_testing
