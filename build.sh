#!/bin/sh
# build.sh - one entry point for the quick start.
#   ./build.sh run [ARGS...]   build (optimised) and run `antifrag run ARGS...`
#   ./build.sh test            build (optimised) and run every test with ctest
# Missing build packages are installed with apt-get when possible.
set -eu
cd "$(dirname "$0")"

need_pkgs() {
	missing=""
	command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
	command -v cc >/dev/null 2>&1 || missing="$missing gcc"
	command -v make >/dev/null 2>&1 || missing="$missing make"
	command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
	command -v python3 >/dev/null 2>&1 || missing="$missing python3"
	[ -f /usr/include/cmocka.h ] || missing="$missing libcmocka-dev"
	[ -f /usr/include/jansson.h ] || missing="$missing libjansson-dev"
	# trace.dat (libtracecmd-dev does not pull in the headers it includes)
	[ -f /usr/include/trace-cmd/trace-cmd.h ] || missing="$missing libtracecmd-dev"
	[ -f /usr/include/tracefs/tracefs.h ] || missing="$missing libtracefs-dev"
	[ -f /usr/include/traceevent/event-parse.h ] || missing="$missing libtraceevent-dev"
	command -v xz >/dev/null 2>&1 || missing="$missing xz-utils"	# the test fixtures
	# --report inlines Debian's Chart.js; --figures draws through cairo
	[ -f /usr/share/javascript/chart.js/chart.min.js ] || missing="$missing libjs-chart.js"
	[ -f /usr/include/cairo/cairo.h ] || missing="$missing libcairo2-dev"
	[ -f /usr/include/fontconfig/fontconfig.h ] || missing="$missing libfontconfig-dev"
	if [ "$1" = test ]; then
		# the --prometheus file is read by the Prometheus client's own parser
		[ -d /usr/lib/python3/dist-packages/prometheus_client ] || missing="$missing python3-prometheus-client"
		# the report's test opens it in headless Chromium and reads the screenshot
		command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
		[ -d /usr/lib/python3/dist-packages/PIL ] || missing="$missing python3-pil"
		[ -d /usr/share/fonts/truetype/dejavu ] || missing="$missing fonts-dejavu-core"
		# sweeps: GNU parallel, and a single-host Slurm (slurmctld, slurmd, munge)
		command -v parallel >/dev/null 2>&1 || missing="$missing parallel"
		command -v slurmctld >/dev/null 2>&1 || missing="$missing slurm-wlm"
		command -v munged >/dev/null 2>&1 || missing="$missing munge"
	fi
	if [ -n "$missing" ]; then
		SUDO=""
		[ "$(id -u)" -ne 0 ] && SUDO="sudo"
		echo "build.sh: installing$missing" >&2
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
	fi
}

build() {
	dir=$1; shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
run)
	need_pkgs run
	build build
	exec ./build/antifrag run "$@"
	;;
test)
	need_pkgs test
	build build
	cd build && ctest --output-on-failure -j2 "$@"
	;;
*)
	echo "usage: ./build.sh run [ARGS...] | ./build.sh test" >&2
	exit 2
	;;
esac
