#!/usr/bin/env bash
# Set up and run the whole test suite (unit, property, scenario, CLI, browser and notebook tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m pytest -q "$@"
