#!/usr/bin/env bash
# Make a separate venv holding the reference dos-kernel 0.22.0, for side-by-side benches.
#   bash bench/setup_reference.sh [VENV_DIR]     (default: .bench-ref)
# then:  DOS_REF=VENV_DIR/bin/dos python bench/run.py
set -euo pipefail
venv="${1:-.bench-ref}"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "dos-kernel==0.22.0"
echo "reference installed: DOS_REF=$venv/bin/dos"
