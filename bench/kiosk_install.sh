#!/bin/sh
# The kiosk's install path with nothing left out: a real wheelhouse of madoguchi[kiosk] and
# every dependency, installed offline by deploy/kiosk/install-kiosk.sh into a scratch root,
# then cage starting the installed app against a real hub. It runs the tests of
# tests/deploy/test_kiosk_appliance.py with that wheelhouse in place of their shortcut.
# From the repository root, as root (bench/README.md):
#
#   sh bench/kiosk_install.sh
set -eu
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

started=$(date +%s)
.venv/bin/python -m pip wheel --quiet --wheel-dir "$scratch/wheelhouse" '.[kiosk]'
built=$(date +%s)
echo "wheelhouse: $(ls "$scratch/wheelhouse" | wc -l) wheels, $(du -sm "$scratch/wheelhouse" | cut -f1) MB, built in $((built - started)) s"

MADOGUCHI_TEST_KIOSK_WHEELHOUSE="$scratch/wheelhouse" \
    .venv/bin/python -m pytest tests/deploy/test_kiosk_appliance.py -q -p no:cacheprovider \
    --durations=3
