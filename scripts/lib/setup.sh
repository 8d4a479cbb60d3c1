# Set-up shared by scripts/demo and scripts/test; sourced, not run. After `qw_setup demo|test`:
#   QW_ROOT  the repository;  QW_VENV  the project virtualenv, installed exactly from uv.lock;
#   QW_UV    the pinned uv (scripts/uv-requirements.txt) in .venv-tools.
# Each step checks before it acts, so a second run with nothing changed takes well under a second.
# Settings: UV_PROJECT_ENVIRONMENT (the virtualenv; default .venv, .ci/run points it at a fresh one),
# QW_PYTHON (the interpreter to build it with), QW_EXTRAS (more extras to install, e.g. "paddle").

QW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QW_VENV="${UV_PROJECT_ENVIRONMENT:-.venv}"
case "$QW_VENV" in /*) ;; *) QW_VENV="$QW_ROOT/$QW_VENV" ;; esac
export UV_PROJECT_ENVIRONMENT="$QW_VENV"
QW_TOOLS="$QW_ROOT/.venv-tools"
QW_UV="$QW_TOOLS/bin/uv"

qw_python() {
  # Sets QW_PY to the first Python 3.11+ on PATH (or QW_PYTHON), resolved through shims such as
  # pyenv's; only called when a virtualenv has to be made, so the no-op path starts no Python.
  [ -n "${QW_PY:-}" ] && return 0
  local candidate
  for candidate in ${QW_PYTHON:-} python3 python3.14 python3.13 python3.12 python3.11; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    QW_PY=$("$candidate" -c 'import sys; print(sys.executable) if sys.version_info >= (3, 11) else sys.exit(1)' \
      2>/dev/null) && return 0
  done
  echo "Qingwang needs Python 3.11 or newer (python3 on PATH, or QW_PYTHON=/path/to/python)" >&2
  return 1
}

qw_tools_current() {
  # The copy of the requirements file inside the tools venv says which pin it holds.
  [ -x "$QW_UV" ] && cmp -s "$QW_ROOT/scripts/uv-requirements.txt" "$QW_TOOLS/uv-requirements.txt"
}

qw_system_packages() {
  local purpose=$1 extra=()
  if ! qw_tools_current; then
    qw_python
    # Debian splits venv/ensurepip out of python3; the tools venv needs it.
    "$QW_PY" -c 'import ensurepip, venv' 2>/dev/null ||
      extra+=("python$("$QW_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
  fi
  "$QW_ROOT/scripts/install-system-deps" "$purpose" "${extra[@]}"
}

qw_tools() {
  # uv from PyPI by pip with every hash checked; a changed pin rebuilds the tools venv.
  local req="$QW_ROOT/scripts/uv-requirements.txt"
  qw_tools_current && return 0
  qw_python
  echo "installing the pinned uv into $QW_TOOLS"
  rm -rf "$QW_TOOLS"
  "$QW_PY" -m venv "$QW_TOOLS"
  "$QW_TOOLS/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    --require-hashes --only-binary :all: -r "$req"
  cp "$req" "$QW_TOOLS/uv-requirements.txt"
}

qw_sync() {
  # Exactly the locked versions (--frozen: the lock is never re-resolved here; tests/test_lock.py
  # catches a lock that disagrees with pyproject.toml). --inexact leaves anything else a developer
  # added to the virtualenv, such as the paddle extra; .ci/run starts from an empty one.
  local args=(sync --frozen --inexact --project "$QW_ROOT") extra
  for extra in "$@" ${QW_EXTRAS:-}; do args+=(--extra "$extra"); done
  if [ ! -x "$QW_VENV/bin/python" ]; then qw_python; args+=(--python "$QW_PY"); fi
  "$QW_UV" "${args[@]}"
}

qw_setup() {
  local purpose=$1
  qw_system_packages "$purpose"
  qw_tools
  case "$purpose" in
    demo) qw_sync ;;
    test) qw_sync test ;;
  esac
  export VIRTUAL_ENV="$QW_VENV" PATH="$QW_VENV/bin:$PATH"
}
