"""The wheel carries templates, static files and catalogs, and the code finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.servers import ROOT
from tests.support.timing import timeout


def test_wheel_contains_pages_and_finds_them(tmp_path: Path) -> None:
    """Built as a wheel and unpacked elsewhere, `wall` serves its own templates and assets."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, timeout=timeout(120))
    wheel = next(tmp_path.glob("clameur-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("wall/templates/wall.html", "wall/templates/audience.html",
                   "wall/static/wall.js", "wall/locale/fr/LC_MESSAGES/pages.po",
                   "wall/accessibility.json", "wall/templates/accessibility.html",
                   "moderator_tui/__init__.py"):
        assert needed in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("from wall.paths import resource_dir; from wall.i18n import gettext; "
            "print(resource_dir('templates')); print(gettext('fr', 'Send'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(site)},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == str(site / "wall" / "templates")
    assert out[1] == "Envoyer"
