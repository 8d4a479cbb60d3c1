"""Everything the README and docs/ link to is inside the repository, so a clone reads whole."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_name_files_in_the_repository(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses, and anchors within the page
        path = (page.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"


def test_every_setting_the_code_reads_is_in_the_readme():
    """A setting read through gateway.config.Settings is documented; a documented one exists."""
    config = (ROOT / "gateway" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'_env\("([A-Z0-9_]+)"', config))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = {name for name in re.findall(r"`([A-Z][A-Z0-9_]{2,})`", section) if "_" in name or name in read}
    assert read - documented == set(), "settings missing from the README's Configuration table"
    assert documented - read == set(), "the README documents settings nothing reads"
