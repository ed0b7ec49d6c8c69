# Sourced by csv_files.sh and tariffs.sh: TZ set to a zone made up for the
# run, spelled out so no tzdata is needed: whole hours east of UTC (never
# 0) such that it is about noon, so midnight is far away; and summer time
# ended yesterday at 03:00, so yesterday had 25 hours, 02:00 to 03:00
# twice, and what follows local days must still follow them.  Its dates
# are UTC's (noon is within 12 hours of UTC's time).
utc_hour=$(date -u +%H)
east=$((12 - ${utc_hour#0}))
[ "$east" = 0 ] && east=1
# Zero-based days of the year, February 29 counted, as TZ's rules take.
ended=$(($(date -u -d yesterday +%j | sed 's/^0*//') - 1))
began=$(((ended + 180) % 365))
TZ="MWT$((-east))MWS,$began/2,$ended/3"
export TZ
diag "TZ=$TZ: $(date +%Y-%m-%dT%H:%M%z)"
