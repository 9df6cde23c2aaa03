# Sourced by the real-dump tests: sets $boots to the folder of real dumps
# (made or reused by tests/real-ensure.sh), or ends the test the TAP way —
# a loud skip when they cannot be had, a bail-out under VMSCOPE_REQUIRE_REAL=1.
real_errf=${TMPDIR:-/tmp}/real-boots.$$.err
boots=$(sh "$top_srcdir/tests/real-ensure.sh" 2>"$real_errf")
real_rc=$?
sed 's/^/# /' "$real_errf"
real_why=$(grep -m1 '^real dumps' "$real_errf")
rm -f "$real_errf"
case $real_rc in
0) ;;
77)	echo "1..0 # SKIP ${real_why:-real dumps unavailable}"
	exit 0 ;;
*)	echo "Bail out! ${real_why:-real dumps unavailable} (VMSCOPE_REQUIRE_REAL=1)"
	exit 1 ;;
esac
