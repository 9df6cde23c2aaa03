# lib.sh - what the real-dump generators share (sourced by make-real-dumps.sh
# and make-kasan-dumps.sh, bash): logging, cleanup on any exit, and
# installing the host tools.  The sourcing script sets, before sourcing:
#   PROG         its name, for log lines
#   T0           its start time ($(date +%s))
#   FAILED_NOTE  what a failure leaves behind, for the last log line
#   HOST_PKGS    the Debian packages it needs (before ensure_host_packages)

log() { printf '[%s %4ss] %s\n' "$PROG" "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# QEMUs (or the timeout(1) running each) and temporary folders to get rid
# of on the way out, whatever the way.
QEMU_PIDS=()
TMP_DIRS=()
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
	local rc=$? p
	for p in "${QEMU_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${QEMU_PIDS[@]}"; do
		# p may be timeout(1); a QEMU stuck in a dump may outlive it,
		# so its child gets the KILL too.
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null ||
			{ pkill -KILL -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; } || true
	done
	for p in "${TMP_DIRS[@]}"; do
		rm -rf "$p"
	done
	if [ "$rc" -ne 0 ]; then
		log "FAILED (exit $rc); $FAILED_NOTE"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ensure_host_packages() {
	local missing="" p
	for p in $HOST_PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "${VMSCOPE_REAL_NO_INSTALL:-0}" = 1 ] && die "missing packages:$missing"
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root to install them)"
	log "installing:$missing"
	timeout 600 apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	timeout 900 apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
}
