#!/usr/bin/env bash
# Set up and print the roadmap of the example young person (in care, with an EHC plan).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e .
pathways roadmap examples/people/yp-001-in-care-with-ehcp.yaml --as-of 2026-11-23 --area leicester
