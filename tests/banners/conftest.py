import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from banners import audience, services
from banners.models import Advertiser, Banner, BannerSlot, Campaign, Placement
from newsroom.settings.base import redis_cache_entry
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ensure_roles
from tests.user_agents import CHROME

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 12:00 in Seoul


def show_slot(code: str = "article-side-1", *, user_agent: str = CHROME, times: int = 1) -> str:
    """Serve a slot to a reader's browser (127.0.0.1, as the test client) the way a page does:
    through `{% banner_slot %}`, counted. Returns the last HTML."""
    html = ""
    for _ in range(times):
        request = RequestFactory().get("/", HTTP_USER_AGENT=user_agent)
        template = Template("{% load banner_tags %}{% banner_slot code %}")
        html = template.render(Context({"request": request, "code": code}))
    return html


@pytest.fixture(autouse=True)
def no_periodic_flush(settings):
    """Tests flush explicitly; the after-request flush has its own test."""
    settings.BANNER_FLUSH_SECONDS = 0
    audience.forget_keys()  # the day keys live in the cache, which each test starts empty
    services._pending.clear()
    services._next_flush[0] = 0.0
    yield
    services._pending.clear()


def png_bytes(width: int, height: int, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 80, 160)).save(buffer, image_format)
    return buffer.getvalue()


def png_upload(width: int = 300, height: int = 250, name: str = "banner.png"):
    return SimpleUploadedFile(name, png_bytes(width, height), content_type="image/png")


def campaign_of(advertiser, **fields) -> Campaign:
    """The advertiser's campaign for tests that are not about campaigns: 일반 priority, no goal,
    no cap, from 2020 on with no end (its banners' own periods decide)."""
    defaults = {"starts_at": datetime(2020, 1, 1, tzinfo=UTC), "ends_at": None}
    defaults.update(fields)
    campaign, _ = Campaign.objects.get_or_create(
        advertiser=advertiser, name=f"{advertiser.name} 캠페인", defaults=defaults
    )
    return campaign


def banner_form(*, slot, advertiser=None, campaign=None, **overrides) -> dict:
    """What the admin's add form posts for a new image banner running from yesterday for a month,
    with its one placement in `slot`, in `campaign` (or the advertiser's test campaign)."""
    campaign = campaign or campaign_of(advertiser)
    now = timezone.localtime()
    start, end = now - timezone.timedelta(days=1), now + timezone.timedelta(days=30)
    data = {
        "campaign": campaign.pk,
        "name": "한빛제약 봄 캠페인",
        "kind": "image",
        "alt_text": "한빛제약 봄 캠페인 안내",
        "target_url": "https://ads.example.com/spring",
        "opens_new_window": "on",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{end:%Y-%m-%d}",
        "ends_at_1": f"{end:%H:%M:%S}",
        "weight": "1",
        "is_active": "on",
        "placements-TOTAL_FORMS": "1",
        "placements-INITIAL_FORMS": "0",
        "placements-MIN_NUM_FORMS": "0",
        "placements-MAX_NUM_FORMS": "1000",
        "placements-0-slot": slot.pk,
        "placements-0-weight": "1",
        "placements-0-sort_order": "0",
        "placements-0-is_active": "on",
    }
    data.update(overrides)
    return data


def ad_tag_form(*, slot, ad_tag, advertiser=None, **overrides) -> dict:
    """What the add form posts for an ad-tag banner: the advertiser's markup, no address."""
    return banner_form(
        advertiser=advertiser, slot=slot, kind="ad_tag", target_url="", ad_tag=ad_tag, **overrides
    )


@pytest.fixture
def make_banner(db, advertiser):
    def make(
        *,
        name="한빛제약 신제품",
        size=(300, 250),
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=30),
        target_url="https://ads.example.com/landing?id=1",
        owner=None,
        campaign=None,
        **fields,
    ):
        banner = Banner(
            campaign=campaign or campaign_of(owner or advertiser),
            name=name,
            alt_text=fields.pop("alt_text", f"{name} 광고"),
            target_url=target_url,
            starts_at=starts_at,
            ends_at=ends_at,
            **fields,
        )
        if banner.kind == Banner.Kind.IMAGE:
            banner.image.save(f"{name}.png", png_upload(*size), save=False)
        banner.save()
        return banner

    return make


@pytest.fixture
def place(db):
    def place(banner, slot, **fields):
        return Placement.objects.create(banner=banner, slot=slot, **fields)

    return place


def make_user(username: str, role: str | None = None, **fields):
    ensure_roles()
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-1234", is_staff=True, **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def ad_manager(db):
    return make_user("admanager", AD_MANAGER)


@pytest.fixture
def reporter_user(db):
    return make_user("reporter", REPORTER)


@pytest.fixture
def desk_user(db):
    return make_user("desk", DESK)


@pytest.fixture
def superuser(db):
    return make_user("admin", None, is_superuser=True)


@pytest.fixture
def redis_caches(settings, redis_url):
    """Both caches on the test run's real Redis (one server, as in production without
    PAGE_CACHE_REDIS_URL), under key prefixes of this test only, removed afterwards."""
    import redis

    prefix = f"newsroom-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": redis_cache_entry(redis_url, prefix),
        "pages": redis_cache_entry(redis_url, f"{prefix}-pages"),
    }
    yield
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def round_trips(monkeypatch):
    """How many times the process sent something to Redis (a command, a pipeline or a script
    call: each is one round trip), from when the test calls `round_trips.start()`."""
    from redis.connection import AbstractConnection

    class Counter:
        count = 0

        def start(self):
            self.count = 0

    counter = Counter()
    real = AbstractConnection.send_packed_command

    def counted(self, *args, **kwargs):
        counter.count += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return counter


def placed_banner(name: str, slot_code: str, size: tuple[int, int]) -> Banner:
    """An image banner of 한빛제약, live since yesterday, placed in the slot `slot_code`: what
    the page-cache tests put on a page to see it drawn and counted."""
    banner = Banner(
        campaign=campaign_of(Advertiser.objects.get_or_create(name="한빛제약")[0]),
        name=name,
        alt_text=f"{name} 광고",
        target_url="https://ads.example.com/landing",
        starts_at=timezone.now() - timedelta(days=1),
    )
    banner.image.save(f"{slot_code}.png", png_upload(*size), save=False)
    banner.save()
    Placement.objects.create(banner=banner, slot=BannerSlot.objects.get(code=slot_code))
    return banner
