# Helpers for shell tests that speak TAP (automake's tap-driver counts each
# "ok"/"not ok" line).  Source it: . "$top_srcdir/tests/tap.sh"
#
#   tap_ok DESC CMD...        passes when CMD exits 0
#   tap_fail DESC CMD...      passes when CMD exits non-zero (not by a signal)
#   tap_is DESC GOT WANT      passes when the strings are equal
#   tap_skip DESC REASON      a skip, reported as such (never as a pass)
#   tap_done                  prints the plan; exit status says if any failed

tap_n=0
tap_failed=0

tap_result() {	# STATUS DESC
	tap_n=$((tap_n + 1))
	if [ "$1" = ok ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

tap_diag() { printf '# %s\n' "$*"; }

tap_ok() {
	tap_desc=$1; shift
	if tap_out=$("$@" 2>&1); then
		tap_result ok "$tap_desc"
	else
		tap_result fail "$tap_desc"
		printf '%s\n' "$tap_out" | head -n 20 | sed 's/^/#   /'
	fi
}

tap_fail() {
	tap_desc=$1; shift
	"$@" >/dev/null 2>&1
	tap_rc=$?
	if [ $tap_rc -ne 0 ] && [ $tap_rc -lt 128 ]; then
		tap_result ok "$tap_desc"
	else
		tap_result fail "$tap_desc (exit status $tap_rc)"
	fi
}

tap_is() {
	if [ "$2" = "$3" ]; then
		tap_result ok "$1"
	else
		tap_result fail "$1"
		tap_diag "  got:  $2"
		tap_diag "  want: $3"
	fi
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1: $2"
}

tap_done() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
