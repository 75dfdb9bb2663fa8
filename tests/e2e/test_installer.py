"""The desktop integration script installs and removes a menu entry, icon and file type."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_install_and_uninstall_desktop_entry(tmp_path):
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "F1STUDIO_EXEC": "/opt/f1studio/bin/f1studio",
    }
    script = ROOT / "installer" / "install-desktop.sh"
    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True)
    entry = (tmp_path / "share" / "applications" / "f1studio.desktop").read_text()
    assert 'Exec="/opt/f1studio/bin/f1studio" open %f' in entry
    assert "MimeType=application/x-f1studio-project;" in entry
    assert (tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "f1studio.png").exists()
    mime = (tmp_path / "share" / "mime" / "packages" / "f1studio.xml").read_text()
    assert '<glob pattern="*.f1s"/>' in mime
    subprocess.run(["bash", str(script), "--uninstall"], env=env, check=True, capture_output=True)
    assert not (tmp_path / "share" / "applications" / "f1studio.desktop").exists()
