"""Demo accounts, one per role, with passwords that are generated, never written in code.

The passwords are kept in var/demo-logins.json (git-ignored) so that running `make run` again
prints the same logins; DEMO_PASSWORD sets one password for all (used by browser tests).
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .roles import AD_MANAGER, DESK, REPORTER


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str | None  # None: superuser
    label: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", None, "관리자 (superuser)"),
    DemoAccount("desk", DESK, "데스크"),
    DemoAccount("reporter", REPORTER, "기자"),
    DemoAccount("admanager", AD_MANAGER, "광고 담당"),
]


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def _stored_passwords() -> dict[str, str]:
    try:
        return json.loads(_logins_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _store_passwords(passwords: dict[str, str]) -> None:
    path = _logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)


def ensure_demo_accounts() -> list[tuple[DemoAccount, str]]:
    """Create (or keep) the demo users; return each account with its password."""
    User = get_user_model()
    stored = _stored_passwords()
    fixed = os.environ.get("DEMO_PASSWORD", "")
    result = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=account.username)
        password = fixed or stored.get(account.username) or ""
        if created or not password or not user.check_password(password):
            password = password or secrets.token_urlsafe(12)
            user.set_password(password)
        user.is_staff = True
        user.is_superuser = account.role is None
        user.email = user.email or f"{account.username}@example.com"
        user.save()
        if account.role:
            user.groups.set([Group.objects.get(name=account.role)])
        stored[account.username] = password
        result.append((account, password))
    _store_passwords(stored)
    return result


def ensure_site_info():
    """The publisher's footer details of the (fictional) demo paper."""
    from datetime import date

    from .models import SiteInfo

    info = SiteInfo.objects.order_by("pk").first()
    if info is None:
        info = SiteInfo.objects.create(
            name=settings.SITE_NAME,
            tagline="보건·의료·제약 산업 전문 인터넷 신문",
            company="(주)메디팜미디어",
            address="서울특별시 중구 세종대로 000, 7층 (데모 주소)",
            phone="02-000-0000",
            fax="02-000-0001",
            email="news@example.com",
            registration_number="서울 아00000",
            registration_date=date(2015, 3, 2),
            publisher="박정민",
            editor="박정민",
            youth_protection_officer="이수현",
        )
    return info


def ensure_policy_pages():
    """The four policy pages with placeholder text, where the paper has none yet."""
    from datetime import date

    from django.utils.html import escape

    from .demo_content import DEMO_POLICIES
    from .models import PolicyPage

    for kind, sections in DEMO_POLICIES.items():
        body = "".join(f"<h2>{escape(h)}</h2><p>{escape(p)}</p>" for h, p in sections)
        PolicyPage.objects.get_or_create(
            kind=kind, defaults={"body": body, "effective_on": date(2026, 1, 1)}
        )
