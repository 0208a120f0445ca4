#!/usr/bin/env bash
# Regenerates schemas/xero and Sources/XeroModel/Generated from Xero's OpenAPI spec.
# Arguments go to generate-xero-schemas.py (--check, --spec PATH).
#
# The script needs PyYAML: it runs in a virtualenv at ${VENV:-/tmp/xeroflow-venv}, created on
# first use and reused after; nothing is installed into the system's site-packages.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV:-/tmp/xeroflow-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
  "$venv/bin/python" -m pip install -q pyyaml
fi
exec "$venv/bin/python" "$here/generate-xero-schemas.py" "$@"
