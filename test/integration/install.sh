#!/bin/sh
# make install and make uninstall into a DESTDIR (issue 9): the FHS paths,
# the configuration installed once and never overwritten, state_dir 0700,
# the man pages, and a systemd unit that systemd-analyze accepts.
. "$(dirname "$0")/lib.sh"
have groff || need "no groff" groff-base
have systemd-analyze || need "no systemd-analyze" systemd

D="$TMP/root"
eval "$(make -s -C "$top_builddir" print-dirs)"
# shellcheck disable=SC2154 # from print-dirs
diag "prefix $prefix, unit type $SERVICE_TYPE"
check "make install DESTDIR=... succeeds" \
    sh -c "make -s -C '$top_builddir' install DESTDIR='$D' >'$TMP/install.log' 2>&1"
for f in "$sbindir/mewsd" "$bindir/mews-sim"; do
	check "$f is installed, executable" [ -x "$D$f" ]
done
for f in "$pkgdatadir/www/index.html" "$pkgdatadir/www/js/api.js" \
    "$pkgdatadir/profiles/sdm630.conf" "$pkgdatadir/profiles/breaker.conf" \
    "$mandir/man8/mewsd.8" "$mandir/man5/mews.conf.5" \
    "$systemdsystemunitdir/mews.service" "$sysusersdir/mews.conf" \
    "$tmpfilesdir/mews.conf"; do
	check "$f is installed" [ -s "$D$f" ]
done
conf="$D$sysconfdir/mews/mews.conf"
check "mews.conf is installed, mode 0640 ($(stat -c %a "$conf"))" \
    [ "$(stat -c %a "$conf")" = 640 ]
check "its state_dir is $localstatedir/lib/mews" \
    grep -q "^state_dir = \"$localstatedir/lib/mews\";" "$conf"
check "state_dir is made, mode 0700" \
    [ "$(stat -c %a "$D$localstatedir/lib/mews")" = 700 ]
check "the installed mews.conf passes mewsd -t" \
    sh -c "MEWS_PROFILE_DIR='$D$pkgdatadir/profiles' '$D$sbindir/mewsd' -t -c '$conf' >/dev/null"

for m in "$mandir/man8/mewsd.8" "$mandir/man5/mews.conf.5"; do
	check "$(basename "$m") formats without a warning" \
	    sh -c "groff -man -ww -z '$D$m' 2>'$TMP/groff.log' && ! [ -s '$TMP/groff.log' ]"
done

unit="$D$systemdsystemunitdir/mews.service"
check "the unit runs $sbindir/mewsd in the foreground" \
    grep -q "^ExecStart=$sbindir/mewsd -f -c $sysconfdir/mews/mews.conf$" "$unit"
check "the unit is Type=$SERVICE_TYPE" grep -q "^Type=$SERVICE_TYPE$" "$unit"
check "the unit may bind ports below 1024 as the mews user" \
    sh -c "grep -q '^User=mews$' '$unit' && grep -q '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' '$unit'"
check "the unit writes only state_dir and the configuration's folder" \
    grep -q "^ReadWritePaths=$localstatedir/lib/mews $sysconfdir/mews$" "$unit"
# Its binaries are in DESTDIR, where systemd-analyze must find them.
sed "s|$sbindir/mewsd|$D$sbindir/mewsd|g" "$unit" >"$TMP/mews.service"
check "systemd-analyze verify accepts the unit, without a warning" \
    sh -c "systemd-analyze verify --man=no '$TMP/mews.service' >'$TMP/verify.log' 2>&1 && ! [ -s '$TMP/verify.log' ]"
[ -s "$TMP/verify.log" ] && sed "s/^/# /" "$TMP/verify.log"

# A changed configuration survives a new install and the uninstall.
echo '// changed on the box' >>"$conf"
cp "$conf" "$TMP/changed.conf"
check "a second make install succeeds" \
    sh -c "make -s -C '$top_builddir' install DESTDIR='$D' >'$TMP/install.log' 2>&1"
check "... and keeps the changed mews.conf" cmp -s "$conf" "$TMP/changed.conf"
check "make uninstall succeeds" \
    sh -c "make -s -C '$top_builddir' uninstall DESTDIR='$D' >'$TMP/uninstall.log' 2>&1"
left=$(find "$D" -type f | sed "s|^$D||")
check "only the changed mews.conf is left (left: $(echo $left))" \
    [ "$left" = "$sysconfdir/mews/mews.conf" ]
done_testing
