"""The newsroom's roles as Django groups, with exactly the permissions each role needs.

`ensure_roles()` runs after every `migrate` (see apps.py), so the groups and their permissions
exist on every database without a manual step, and changing a list here changes the group.
Object-level rules (a reporter edits only their own drafts) are enforced in the admin classes.
"""

from django.contrib.auth.models import Group, Permission

REPORTER = "기자"
DESK = "데스크"
AD_MANAGER = "광고 담당"

# The roles as settings name them (OTP_REQUIRED_ROLES); "superuser" is the administrators.
ROLE_KEYS = {"desk": DESK, "reporter": REPORTER, "admanager": AD_MANAGER}
SUPERUSER_KEY = "superuser"

# app_label.codename, per role. Permissions of models that do not exist (yet) are skipped.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REPORTER: [
        "articles.view_article",
        "articles.add_article",
        "articles.change_article",
        "articles.view_section",
        "articles.view_tag",
        "articles.add_tag",
        "articles.view_reporter",
        "articles.view_correctionnotice",
        "articles.view_series",
        # The photo library (사진): search it, upload into it, describe and set the focal point
        # of their own photos, delete their own unused uploads (articles.services decides).
        *(f"articles.{action}_photo" for action in ("view", "add", "change", "delete")),
    ],
    DESK: [
        "articles.view_article",
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.publish_article",
        "articles.edit_any_article",
        "articles.set_headline",
        "articles.view_articleevent",
        "articles.view_section",
        "articles.add_section",
        "articles.change_section",
        "articles.view_tag",
        "articles.add_tag",
        "articles.change_tag",
        "articles.delete_tag",
        "articles.view_reporter",
        "articles.add_reporter",
        "articles.change_reporter",
        # 기획·연재: named and described by the desk; a reporter puts an article in one.
        *(f"articles.{action}_series" for action in ("view", "add", "change", "delete")),
        # 정정·반론·추후보도: added and amended by the desk; withdrawn, never deleted.
        "articles.view_correctionnotice",
        "articles.add_correctionnotice",
        "articles.change_correctionnotice",
        # The photo library: every photo; an unused one may be deleted (articles.services).
        *(f"articles.{action}_photo" for action in ("view", "add", "change", "delete")),
        "newsroom.view_siteinfo",
        "newsroom.change_siteinfo",
        # 속보: a one-line banner over every page, set and taken down by the desk.
        *(f"newsroom.{action}_breakingnews" for action in ("view", "add", "change", "delete")),
        # The newsletter: composed, tested and sent by the desk (subscribers: administrators).
        *(
            f"newsroom.{action}_{model}"
            for model in ("issue", "issuearticle")
            for action in ("view", "add", "change", "delete")
        ),
        "newsroom.send_issue",
        # The weather ticker's stations (shown, order) and an on-demand fetch from KMA.
        "weather.view_station",
        "weather.change_station",
        "weather.view_weatherreading",
        "weather.fetch_weather",
    ],
    AD_MANAGER: [
        *(
            f"banners.{action}_{model}"
            for model in (
                "advertiser",
                "campaign",
                "banner",
                "placement",
                "bannerslot",
                "reportlink",
            )
            for action in ("view", "add", "change", "delete")
        ),
        "banners.view_bannerstat",
        # Not "banners.manage_ad_tag": third-party scripts are granted per person by an admin.
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def ensure_roles() -> dict[str, Group]:
    groups = {}
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(names))
        groups[role] = group
    return groups


def has_role(user, keys) -> bool:
    """Whether the user is in any of the roles named by `keys` (ROLE_KEYS, or "superuser")."""
    if not user.is_authenticated or not keys:
        return False
    if SUPERUSER_KEY in keys and user.is_superuser:
        return True
    groups = [ROLE_KEYS[key] for key in keys if key in ROLE_KEYS]
    return bool(groups) and user.groups.filter(name__in=groups).exists()
