#!/bin/bash
# A small run of every command that writes pages, into FOLDER/<command>, for
# scripts/screenshots.py (about 15 minutes on 2 cores). A finished run is not redone.
set -e
S=${1:?usage: scripts/screenshot_runs.sh FOLDER}
C=${CREDITLAB:-.venv/bin/creditlab}
run() { local name=$1; shift; [ -d "$S/$name" ] || "$C" --quiet "$@" --out "$S/$name"; }
run demo demo
run train train --task sine-waves --rule eprop --iterations 30 --n-rec 20
run song song --birds 3 --renditions 400
run song-placement song-placement --physics mid --levels 3 --birds 2 --renditions 300 \
    --hvc-neurons 40 --msn-per-channel 4 --seed 1
run compare compare --tasks sine-waves,evidence-accumulation --rules bptt,eprop --seeds 2 \
    --iterations 20 --lr-candidates 2 --alignment-draws 1
run bci-compare bci-compare --rules dendritic --mice 3 --days 3 --session-minutes 3
run bci-dose-response bci-dose-response --rule none --mice 2 --days 2 --session-minutes 2 \
    --levels 0,10,20
run tune tune --experiment song --rules node-perturbation --birds 2 --renditions 300
run connectome-stats connectome-stats tests/fixtures/synapses.json
