#!/usr/bin/env bash
# Lint and type-check the whole tree (ruff, mypy --strict with the pydantic plugin), as CI does.
set -euo pipefail
cd "$(dirname "$0")/.."
PATHWAYS_EXTRAS=dev bash scripts/setup.sh
python3 -m ruff check .
python3 -m mypy
