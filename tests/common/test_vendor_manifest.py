"""static/vendor/MANIFEST.md lists every vendored file with the version the file really is."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|\s*(?P<name>[^|]+?)\s*\|\s*(?P<version>[^|]+?)\s*"
                 r"\|\s*(?P<licence>[^|]+?)\s*\|\s*(?P<source>[^|]+?)\s*\|$")


def manifest_rows() -> dict[str, dict]:
    text = (VENDOR / "MANIFEST.md").read_text(encoding="utf-8")
    return {m["file"]: m.groupdict() for m in map(ROW.match, text.splitlines()) if m}


def test_every_vendored_file_is_listed_with_name_version_licence_and_source():
    rows = manifest_rows()
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*")
               if p.is_file() and p.name != "MANIFEST.md"}
    assert on_disk, "static/vendor is empty?"
    assert on_disk <= set(rows), f"not in static/vendor/MANIFEST.md: {on_disk - set(rows)}"
    for name in on_disk:
        row = rows[name]
        assert row["name"] and row["licence"] and row["source"].startswith("https://"), row
        assert re.fullmatch(r"\d+\.\d+\.\d+", row["version"]), row
        # The version printed in the file's banner (or htmx's version field) is the listed one.
        head = (VENDOR / name).read_text(encoding="utf-8", errors="replace")[:2000]
        assert row["version"] in head, f"{name}: the file is not version {row['version']}"


def test_packaged_scripts_are_listed_and_exist_at_the_listed_version():
    rows = manifest_rows()
    packaged = {path: row for path, row in rows.items() if not (VENDOR / path).exists()}
    assert "django_htmx/htmx-2.min.js" in packaged
    for path, row in packaged.items():
        found = finders.find(path)
        assert found, f"{path} is not served by any installed app"
        text = Path(found).read_text(encoding="utf-8", errors="replace")
        assert f'version:"{row["version"]}"' in text or row["version"] in text[:2000], path
