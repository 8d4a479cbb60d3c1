"""`qingwang demo` runs the whole flow on samples/ and every decision is as expected."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_runs_end_to_end_on_the_embedded_defaults(tmp_path):
    env = dict(os.environ, QINGWANG_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="demo-test")
    for key in ("DATABASE_URL", "STORAGE_URL", "REDIS_URL"):
        env.pop(key, None)
    result = subprocess.run([sys.executable, "-m", "gateway", "demo", "--samples", str(ROOT / "samples")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "深圳市康宁医疗器械有限公司：通过" in result.stdout
    assert "LICENCE_REVOKED" in result.stdout and "REGNO_CANCELLED" in result.stdout
    [summary_path] = (tmp_path / "data").glob("demo-summary-*.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["merchants"]["as_expected"] == summary["merchants"]["total"] == 7
    assert summary["listings"]["as_expected"] == summary["listings"]["total"] == 16
    # It ends with the sample reports, printed with where they are.
    assert "⑥ 监管报告" in result.stdout
    reports = summary["reports"]
    assert [r["status"] for r in reports] == ["generated"] * len(reports)
    assert any(r["kind"] == "periodic" for r in reports) and any(r["kind"] == "immediate" for r in reports)
    for report in reports:
        assert sorted(report["paths"]) == ["json", "pdf", "xlsx"]
        for path in report["paths"].values():
            assert Path(path).is_file() and Path(path).stat().st_size > 0 and path in result.stdout
