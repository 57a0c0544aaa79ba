#!/usr/bin/env bash
# The checks that need a CUDA GPU, as one rerunnable script with logs (issue "One engine"):
#   bash benchmarks/gpu_check.sh [OUT_DIR]
# 1. the CUDA-visible test subset, 2. `dojo verify --device cuda` on every lesson (cut at
# its limit, the rows so far are kept), 3. the benchmarks on cuda, which include LeNet-5 and
# the diffusion U-Net under no switch, --amp, --compile and both. Budget: under 8 minutes.
# Needs torch with CUDA, and what a bare GPU machine lacks: make it here with
#   make gpu-pack      (gpu-pack/: MNIST, Fashion-MNIST, gymnasium and the EfficientNet
#                       wheels, ~58 MiB)
# and carry gpu-pack with the checkout; this script installs the wheels and reads the data
# from it. Without it, data comes from $TORCHDOJO_DATA or Debian's folder, and lessons
# whose data or package is missing report error rows.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/gpu-check-$(date +%Y%m%d-%H%M%S)}
PY=${PYTHON:-python3}
export PYTHONPATH=src${PYTHONPATH:+:$PYTHONPATH} TORCHDOJO_OFFLINE=1 MPLBACKEND=Agg
mkdir -p "$OUT"
if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)"; then
    echo "gpu_check: no CUDA GPU visible to $PY" >&2; exit 3
fi
$PY -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" | tee "$OUT/device.txt"
if [ -d gpu-pack ]; then  # into a folder of its own: no rights needed on the machine's python
    SITE=$(mktemp -d)
    if $PY -m pip install --quiet --no-index --no-deps --target "$SITE" gpu-pack/wheels/*.whl \
        > "$OUT/pip.log" 2>&1; then
        export PYTHONPATH=$PYTHONPATH:$SITE
    else
        echo "gpu_check: installing gpu-pack's wheels failed (see pip.log)" | tee -a "$OUT/summary.txt"
    fi
    export TORCHDOJO_DATA=$PWD/gpu-pack/data
fi
step() {  # NAME SECONDS COMMAND...: run with a time limit, log, and record the wall time
    local name=$1 limit=$2; shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name: exit $rc, $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
}
step tests 120 $PY -m pytest -q -n 4 -p no:cacheprovider tests/train tests/models \
    tests/experiments tests/test_cli.py tests/test_switches.py
step verify 150 $PY -m torchdojo verify --device cuda --out "$OUT/verify"
# the bench's verify wall-time table from this run's summary (or its partial one, if cut short)
VJSON=$(ls -t "$OUT"/verify/verify-*.json 2>/dev/null | head -1)
step bench 190 $PY -m benchmarks.run_all --device cuda ${VJSON:+--verify "$VJSON"}
cp -f benchmarks/results/bench-cuda.json benchmarks/results/partial-bench-cuda.json "$OUT/" \
    2>/dev/null || true
echo "logs in $OUT"
