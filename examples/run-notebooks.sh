#!/usr/bin/env bash
# Executes the notebooks in examples/ (all of them, or those named) with Jupyter's
# nbconvert and the tslab kernel, and fails when any cell fails. The notebooks import
# ../dist/index.js, so it builds rxtrain first when the build is missing or older than
# a source. It registers tslab in a private prefix (.cache/jupyter), so Jupyter's own
# kernel list is left alone.
#
#   bash examples/run-notebooks.sh [examples/quickstart.ipynb ...]
#
# PYTHON              the Python of Jupyter (nbconvert, ipykernel); default /usr/bin/python3,
#                     Debian's (apt-get install jupyter-nbconvert python3-ipykernel)
# NOTEBOOK_OUT        where the executed copies go; default a new temporary directory
# NOTEBOOK_TIMEOUT    seconds a cell may run; default 120
# KAFKA_BROKER_LIST, KAFKA_TOPIC_NAME   records.ipynb sends its records there when both are set
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3
if ! "$python" -c 'import nbconvert, ipykernel' 2>/dev/null; then
  echo "run-notebooks: $python has no Jupyter nbconvert or ipykernel" \
    "(Debian: apt-get install jupyter-nbconvert python3-ipykernel; or set PYTHON)" >&2
  exit 1
fi
tslab="$PWD/node_modules/.bin/tslab"
[ -x "$tslab" ] || { echo "run-notebooks: $tslab is missing: run npm install" >&2; exit 1; }

if [ ! -f dist/index.js ] ||
  [ -n "$(find index.ts lib operators bin package.json tsconfig.json tsconfig.build.json -newer dist/index.js -print -quit)" ]; then
  echo "== npm run build"
  npm run --silent build
fi

prefix="$PWD/.cache/jupyter"
"$tslab" install --python="$python" --binary="$tslab" --prefix="$prefix" >/dev/null
export JUPYTER_PATH="$prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

out=${NOTEBOOK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/rxtrain-notebooks.XXXXXX")}
mkdir -p "$out"
# tslab's error replies carry no message (its traceback goes to the cell's stderr), and
# nbconvert writes no notebook when a cell fails: this hook prints the failed cell's output.
config="$out/.nbconvert_config.py"
cat >"$config" <<'PY'
import sys

def show_failed_cell(cell, cell_index, execute_reply):
    sys.stderr.write(f'---- cell {cell_index + 1} failed; its output:\n')
    for output in cell.get('outputs', []):
        if output.get('output_type') == 'stream':
            sys.stderr.write(output.get('text', ''))
    sys.stderr.write('----\n')

c.ExecutePreprocessor.on_cell_error = show_failed_cell
PY

elapsed() { awk -v start="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - start }'; }
if [ $# -gt 0 ]; then notebooks=("$@"); else notebooks=(examples/*.ipynb); fi
failed=()
for notebook in "${notebooks[@]}"; do
  echo "== $notebook"
  start=$EPOCHREALTIME
  if "$python" -m nbconvert --config="$config" --to notebook --execute \
    --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout="${NOTEBOOK_TIMEOUT:-120}" \
    --output-dir "$out" "$notebook"; then
    echo "== $notebook: ok in $(elapsed "$start") s"
  else
    echo "== $notebook: FAILED after $(elapsed "$start") s" >&2
    failed+=("$notebook")
  fi
done
echo "== executed notebooks in $out"
if [ ${#failed[@]} -gt 0 ]; then
  echo "== failed: ${failed[*]}" >&2
  exit 1
fi
