"""Of django-ckeditor's package only what the editor loads is collected and served: no HTML page
of CKEditor's (preview.html, CVE-2024-24816; exportpdf's manual tests; wsc's frames) answers
from the site's origin (issue 13)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

NOT_ASSETS = (".html", ".htm", ".xhtml", ".php", ".svg", ".md", ".txt", ".json", ".xml", ".swf")
# What the editor asks for when it opens and when our toolbar's dialogs open (seen in Chromium).
LOADED = (
    "ckeditor/ckeditor-init.js",
    "ckeditor/fixups.js",
    "ckeditor/ckeditor.css",
    "ckeditor/ckeditor/ckeditor.js",
    "ckeditor/ckeditor/config.js",
    "ckeditor/ckeditor/styles.js",
    "ckeditor/ckeditor/contents.css",
    "ckeditor/ckeditor/lang/ko.js",
    "ckeditor/ckeditor/skins/moono-lisa/editor.css",
    "ckeditor/ckeditor/skins/moono-lisa/dialog.css",
    "ckeditor/ckeditor/skins/moono-lisa/icons.png",
    "ckeditor/ckeditor/plugins/a11yhelp/dialogs/a11yhelp.js",
    "ckeditor/ckeditor/plugins/a11yhelp/dialogs/lang/ko.js",
    "ckeditor/ckeditor/plugins/dialog/styles/dialog.css",
    "ckeditor/ckeditor/plugins/widget/plugin.js",
    "ckeditor/ckeditor/plugins/lineutils/plugin.js",
    "ckeditor/ckeditor/plugins/link/dialogs/link.js",
    "ckeditor/ckeditor/plugins/magicline/images/icon.png",
    "ckeditor/ckeditor/plugins/specialchar/dialogs/specialchar.js",
    "ckeditor/ckeditor/plugins/specialchar/dialogs/lang/ko.js",
    "ckeditor/ckeditor/plugins/table/dialogs/table.js",
    "ckeditor/ckeditor/plugins/tableselection/styles/tableselection.css",
    "ckeditor/ckeditor/plugins/pastefromword/filter/default.js",
    "ckeditor/ckeditor/plugins/pastetools/filter/common.js",
)
PAGES_OF_THE_PACKAGE = (
    "ckeditor/ckeditor/plugins/preview/preview.html",
    "ckeditor/ckeditor/plugins/exportpdf/tests/manual/integration.html",
    "ckeditor/ckeditor/plugins/wsc/dialogs/ciframe.html",
    "ckeditor/ckeditor/plugins/wsc/dialogs/tmpFrameset.html",
    "ckeditor/ckeditor/samples/index.html",
    "ckeditor/ckeditor/README.md",
    "ckeditor/ckeditor/plugins/copyformatting/cursors/cursor.svg",
    "ckeditor/galleriffic/js/jquery.galleriffic.js",  # ckeditor_uploader's browser
)


def found_paths() -> list[str]:
    return [path for finder in finders.get_finders() for path, _ in finder.list(None)]


def test_the_finders_offer_no_page_of_ckeditors():
    paths = [path.replace("\\", "/") for path in found_paths()]
    editor = [path for path in paths if path.startswith("ckeditor/")]
    assert set(LOADED) <= set(editor)
    assert [path for path in editor if path.lower().endswith(NOT_ASSETS)] == []
    assert not any("/lang/" in path and not path.endswith(("/ko.js", "/en.js")) for path in editor)
    assert not any("/skins/moono/" in path for path in editor)


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", "--clear", verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_copies_only_the_files_the_editor_loads(collected):
    root = Path(collected)
    editor = sorted(
        path.relative_to(root).as_posix()
        for path in (root / "ckeditor").rglob("*")
        if path.is_file()
    )
    assert set(LOADED) <= set(editor)
    assert [path for path in editor if path.lower().endswith(NOT_ASSETS)] == []
    assert len(editor) < 150  # the package holds over 1,200 files


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES_OF_THE_PACKAGE)
def test_ckeditors_pages_are_not_served(client, path):
    assert finders.find(path) is None
    assert client.get(f"{django_settings.STATIC_URL}{path}").status_code == 404


@pytest.mark.django_db
def test_the_editors_own_files_are_served(client):
    response = client.get(f"{django_settings.STATIC_URL}ckeditor/ckeditor/ckeditor.js")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]


def test_the_plugins_we_do_not_use_are_dropped_from_the_editor():
    from newsroom.staticfiles import EDITOR_PLUGINS

    config = django_settings.CKEDITOR_CONFIGS["default"]
    removed = set(config["removePlugins"].split(","))
    assert {
        "preview",  # CVE-2024-24816
        "exportpdf", "wsc", "scayt", "forms", "flash", "templates", "save", "print", "newpage",
    } <= removed  # fmt: skip
    assert removed.isdisjoint(EDITOR_PLUGINS)
    assert removed.isdisjoint(config["extraPlugins"].split(","))


def test_ckeditors_image_dialogs_file_browser_and_uploads_are_neither_loaded_nor_served():
    """The body's image button opens our photo picker; CKEditor's own image plugins, file
    browser and upload plugins are removed from the editor and their files are not collected."""
    config = django_settings.CKEDITOR_CONFIGS["default"]
    retired = {"image", "image2", "filebrowser", "uploadimage", "uploadwidget", "filetools"}
    assert retired <= set(config["removePlugins"].split(","))
    assert not [key for key in config if key.startswith("filebrowser") or key == "uploadUrl"]
    editor = [path.replace("\\", "/") for path in found_paths()]
    for plugin in retired:
        assert not [p for p in editor if p.startswith(f"ckeditor/ckeditor/plugins/{plugin}/")]
