"""The zh_Hans catalogs: regenerating the project's catalog from the code (``make messages``:
``makemessages --no-obsolete``) loses no translation, and every msgid that a translation is
kept for by hand (``locale_third_party/``) is one that Django or a library asks for."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
PROJECT_MO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
THIRD_PARTY_MO = ROOT / "locale_third_party" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
SOURCES = ("config", "delegations", "duties", "townships", "demo", "bench", "templates", "static")


def translated(mo) -> dict:
    """msgid (with its context) → translation, of a compiled catalog (the header left out)."""
    with open(mo, "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    return {msgid: text for msgid, text in catalog.items() if msgid}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_regenerating_the_project_catalog_keeps_every_translation(tmp_path, settings, monkeypatch):
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    po = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "-o", str(tmp_path / "new.mo"), str(po)], check=True)
    regenerated = translated(tmp_path / "new.mo")
    assert {k: v for k, v in translated(PROJECT_MO).items() if regenerated.get(k) != v} == {}


def test_the_hand_kept_translations_are_of_strings_the_code_does_not_mark():
    # A msgid in both catalogs would be translated twice, and the project's wins.
    assert set(translated(PROJECT_MO)) & set(translated(THIRD_PARTY_MO)) == set()
