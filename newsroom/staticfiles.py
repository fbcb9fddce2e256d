"""Static files: of django-ckeditor's package, only the files the editor loads.

The package ships CKEditor 4's whole build: every plugin in every language, two skins, READMEs,
and HTML pages (the preview plugin's preview.html, CVE-2024-24816; exportpdf's manual tests;
wsc's frames) that would be served from the site's own origin. This finder collects, and serves
in development, only the editor's core, the moono-lisa skin, the Korean and English languages
and the plugins of our toolbar (CKEDITOR_CONFIGS drops the rest with `removePlugins`), and only
scripts, style sheets and pictures among them: never an HTML page.
"""

from fnmatch import fnmatchcase

from django.contrib.staticfiles import finders

PACKAGE_PREFIX = "ckeditor/"
EDITOR = "ckeditor/ckeditor/"

# Plugins with files of their own that the editor loads when it starts or when our toolbar's
# buttons, dialogs and pasting need them (the rest are inside ckeditor.js).
EDITOR_PLUGINS = (
    "a11yhelp",  # Alt+0, the keyboard help
    "clipboard",  # the paste dialog
    "dialog",
    "iframe",  # embedded players shown as placeholders, and kept
    "lineutils",
    "link",
    "magicline",
    "notification",
    "notificationaggregator",
    "pastefromgdocs",
    "pastefromlibreoffice",
    "pastefromword",
    "pastetools",
    "specialchar",
    "table",
    "tableselection",
    "tabletools",
    "widget",  # our photo plugin's <figure> (articles/static/articles/admin/photo-plugin.js)
)
LANGUAGES = ("ko", "en")
EXTENSIONS = (".js", ".css", ".png", ".gif")

NEEDED = (
    # django-ckeditor's widget media (articles/richtext.py)
    "ckeditor/ckeditor-init.js",
    "ckeditor/fixups.js",
    "ckeditor/ckeditor.css",
    # CKEditor 4
    f"{EDITOR}ckeditor.js",
    f"{EDITOR}config.js",
    f"{EDITOR}styles.js",
    f"{EDITOR}contents.css",
    *(f"{EDITOR}lang/{language}.js" for language in LANGUAGES),
    f"{EDITOR}skins/moono-lisa/*",
    *(f"{EDITOR}plugins/{plugin}/*" for plugin in EDITOR_PLUGINS),
)


def editor_needs(path: str) -> bool:
    """Whether a path of django-ckeditor's static files is one the editor loads."""
    path = path.replace("\\", "/")
    if not path.endswith(EXTENSIONS):
        return False
    parts = path.split("/")
    if "lang" in parts[:-1] and parts[-1].removesuffix(".js") not in LANGUAGES:
        return False
    return any(fnmatchcase(path, pattern) for pattern in NEEDED)


def _refused(path: str) -> bool:
    return path.replace("\\", "/").startswith(PACKAGE_PREFIX) and not editor_needs(path)


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    """Django's finder for apps' static folders, less what the editor does not load."""

    def list(self, ignore_patterns):
        for path, storage in super().list(ignore_patterns):
            if not _refused(path):
                yield path, storage

    def find(self, path, find_all=False, **kwargs):
        if _refused(path):
            return []  # what Django's finders answer for a path they do not have
        return super().find(path, find_all, **kwargs)
