"""Demo advertisers, campaigns, banners (images drawn with Pillow), placements and two weeks of
statistics.

Idempotent: advertisers, campaigns and banners are looked up by name, placements by banner and
slot, and statistics rows by banner, slot and day, so loading twice changes nothing.
"""

import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from .models import Advertiser, Banner, BannerSlot, BannerStat, Campaign, Placement

ADVERTISERS = [
    ("한빛제약 (데모)", "김하늘", "ad@hanbit-pharma.example.com", "02-000-1001"),
    ("누리바이오 (데모)", "이도윤", "marketing@nuribio.example.com", "031-000-2002"),
    ("온누리메디컬센터 (데모)", "박서연", "pr@onnuri-mc.example.com", "02-000-3003"),
    ("메디팜뉴스 자사 광고", "광고국", "ad@example.com", "02-000-0000"),
]

# One campaign per advertiser (same index): name, priority, impression goal, goal period, cap
# per reader and day. Its period spans its banners' (each banner keeps its own dates).
CAMPAIGNS = [
    ("한빛제약 심혈관 신제품 (보장형)", Campaign.Priority.GUARANTEED, 2000, "day", 3),
    ("누리바이오 임상시험 모집", Campaign.Priority.STANDARD, None, "total", None),
    ("온누리메디컬센터 건강검진", Campaign.Priority.STANDARD, None, "total", None),
    ("메디팜뉴스 자사 광고 (하우스)", Campaign.Priority.HOUSE, None, "total", None),
]

# name, advertiser index, slot codes, ASCII headline, colour, weight, start offset and length
# in days (None: no end), alt text
BANNERS = [
    (
        "한빛제약 신제품 띠배너",
        0,
        ["top"],
        "HANBIT PHARMA - NEW CARDIO LINE",
        (24, 86, 160),
        3,
        -10,
        30,
        "한빛제약 심혈관 신제품 출시 안내",
    ),
    (
        "누리바이오 임상 모집 띠배너",
        1,
        ["top"],
        "NURIBIO - JOIN OUR CLINICAL TRIAL",
        (20, 120, 100),
        1,
        -6,
        20,
        "누리바이오 임상시험 참여자 모집",
    ),
    (
        "온누리메디컬 건강검진",
        2,
        ["header-left"],
        "ONNURI CHECK-UP",
        (150, 45, 62),
        1,
        -12,
        40,
        "온누리메디컬센터 종합건강검진 예약",
    ),
    (
        "한빛제약 학술 심포지엄",
        0,
        ["header-right"],
        "SYMPOSIUM 2026",
        (84, 60, 140),
        1,
        -8,
        13,
        "한빛제약 학술 심포지엄 사전 등록",
    ),
    (
        "누리바이오 기업 광고",
        1,
        ["article-side-1"],
        "NURIBIO / BIO FOR LIFE",
        (22, 118, 98),
        2,
        -14,
        45,
        "누리바이오, 생명을 위한 바이오",
    ),
    (
        "메디팜뉴스 구독 안내",
        3,
        ["article-side-1", "article-side-2"],
        "SUBSCRIBE / MEDIPHARM NEWS",
        (31, 78, 121),
        1,
        -30,
        None,
        "메디팜뉴스 뉴스레터 구독 안내",
    ),
    (
        "온누리메디컬 로봇수술센터",
        2,
        ["article-side-2"],
        "ROBOTIC SURGERY CENTER",
        (160, 90, 20),
        2,
        -5,
        25,
        "온누리메디컬센터 로봇수술센터 개소",
    ),
    (
        "한빛제약 세로형 배너",
        0,
        ["article-side-3"],
        "HANBIT / TRUSTED MEDICINE",
        (40, 70, 130),
        1,
        -9,
        21,
        "한빛제약, 믿을 수 있는 의약품",
    ),
    (
        "누리바이오 채용",
        1,
        ["article-inline"],
        "NURIBIO IS HIRING - R&D",
        (60, 90, 60),
        1,
        -4,
        18,
        "누리바이오 연구개발 인력 채용",
    ),
    (
        "한빛제약 제품 소개 A",
        0,
        ["home-between-1"],
        "HANBIT - PRODUCT A",
        (24, 86, 160),
        1,
        -10,
        30,
        "한빛제약 제품 A 소개",
    ),
    (
        "온누리메디컬 진료 안내",
        2,
        ["home-between-1"],
        "ONNURI - CLINIC GUIDE",
        (150, 45, 62),
        1,
        -10,
        30,
        "온누리메디컬센터 진료 안내",
    ),
    (
        "메디팜뉴스 세미나",
        3,
        ["home-between-2"],
        "MEDIPHARM SEMINAR",
        (70, 70, 80),
        1,
        -7,
        21,
        "메디팜뉴스 제약산업 세미나",
    ),
    (
        "누리바이오 IR",
        1,
        ["home-between-2"],
        "NURIBIO IR DAY",
        (20, 120, 100),
        1,
        -7,
        21,
        "누리바이오 기업설명회",
    ),
    (
        "한빛제약 건강 캠페인",
        0,
        ["home-between-2"],
        "HEALTH CAMPAIGN",
        (184, 110, 20),
        1,
        -7,
        21,
        "한빛제약 국민 건강 캠페인",
    ),
    (
        "온누리메디컬 하단 배너",
        2,
        ["footer"],
        "ONNURI MEDICAL CENTER",
        (100, 100, 110),
        1,
        -20,
        50,
        "온누리메디컬센터",
    ),
    (
        "한빛제약 다음 달 캠페인",
        0,
        ["top"],
        "COMING SOON - HANBIT",
        (120, 30, 90),
        2,
        20,
        30,
        "한빛제약 다음 달 캠페인",
    ),
]

# An ad network's tag in a sandboxed srcdoc frame inherits the page's Content-Security-Policy:
# its scripts must come from CSP_AD_SOURCES, never inline (an inline script is refused and logs
# an error in every reader's console). The demo needs no network, so its creative is plain HTML.
DEMO_AD_TAG = (
    "<style>body{margin:0}</style>"
    '<div style="box-sizing:border-box;height:250px;padding:24px 20px;'
    "font:15px/1.5 sans-serif;color:#12324a;background:linear-gradient(160deg,#eaf2fb,#cfe0f1);"
    'border:1px solid #b5c9dd">'
    '<p style="margin:0 0 8px;font-size:12px;color:#3d5a73">광고 네트워크 데모</p>'
    '<p style="margin:0 0 12px;font-size:22px;font-weight:700">헬스케어 전문가를 위한<br>'
    "학술 웨비나</p>"
    '<p style="margin:0">광고 네트워크가 보내는 태그는 이 격리된 틀 안에서만 보입니다.</p>'
    "</div>"
)

# Demo creatives are drawn at twice the slot's size, as an agency delivers them for phones'
# high-density screens; the page shows them at the slot's size.
DEMO_DENSITY = 2


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # an old Pillow without scalable default font
        return ImageFont.load_default()


def demo_banner_image(
    text: str, width: int, height: int, colour: tuple[int, int, int], *, scale: int = 1
) -> bytes:
    """A PNG of `width`×`height`: a gradient, a few circles and an ASCII headline; `scale` is
    the image's density (2 for a creative drawn at twice the slot's size). No "AD" mark: every
    slot's markup carries the 광고 label (templates/banners/_banner.html)."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    r, g, b = colour
    for x in range(width):
        shade = x / max(width, 1) * 0.6
        draw.line(
            [(x, 0), (x, height)],
            fill=(
                int(r + (255 - r) * shade),
                int(g + (255 - g) * shade),
                int(b + (255 - b) * shade),
            ),
        )
    rng = random.Random(text)  # noqa: S311 -- decoration
    for _ in range(4):
        radius = rng.randrange(max(height // 3, 8), max(height, 16))
        cx, cy = rng.randrange(width), rng.randrange(height)
        draw.ellipse(
            [cx - radius, cy - radius, cx + radius, cy + radius], outline="white", width=3 * scale
        )
    lines = text.split(" / ") if height > width else [text]
    size = max(10, min(height // (2 * len(lines) + 1), width // max(len(max(lines, key=len)), 1)))
    font = _font(size)
    y = (height - len(lines) * size * 1.3) / 2
    for line in lines:
        left, _, right, _ = draw.textbbox((0, 0), line, font=font)
        draw.text(((width - (right - left)) / 2, y), line, fill="white", font=font)
        y += size * 1.3
    draw.rectangle([0, 0, width - 1, height - 1], outline=(255, 255, 255), width=2 * scale)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _stats(placements: list[Placement], *, now, days: int) -> int:
    today = timezone.localdate(now)
    created = 0
    for placement in placements:
        rng = random.Random(f"{placement.banner.name}:{placement.slot.code}")  # noqa: S311
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            start = timezone.localtime(placement.period_start).date()
            end = placement.period_end and timezone.localtime(placement.period_end).date()
            if day < start or (end and day > end):
                continue
            impressions = rng.randrange(1200, 6000)
            clicks = int(impressions * rng.uniform(0.002, 0.015))
            viewable = int(impressions * rng.uniform(0.45, 0.8))
            _, made = BannerStat.objects.get_or_create(
                banner=placement.banner,
                slot=placement.slot,
                day=day,
                defaults={
                    "impressions": impressions,
                    "viewable_impressions": viewable,
                    "clicks": clicks,
                },
            )
            created += made
    return created


@transaction.atomic
def load(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    slots = {slot.code: slot for slot in BannerSlot.objects.all()}
    advertisers = []
    for name, contact, email, phone in ADVERTISERS:
        advertiser, _ = Advertiser.objects.get_or_create(
            name=name,
            defaults={"contact_name": contact, "contact_email": email, "contact_phone": phone},
        )
        advertisers.append(advertiser)
    placements = []
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    campaigns = []
    for owner, (name, priority, goal, goal_period, cap) in enumerate(CAMPAIGNS):
        spans = [(b[6], b[7]) for b in BANNERS if b[1] == owner]
        first = min(start for start, _ in spans) if spans else -3
        lasts = [start + length if length else None for start, length in spans]
        last = None if None in lasts or not lasts else max(lasts)
        campaign, _ = Campaign.objects.get_or_create(
            advertiser=advertisers[owner],
            name=name,
            defaults={
                "priority": priority,
                "starts_at": midnight + timedelta(days=min(first, -3)),
                "ends_at": midnight + timedelta(days=max(last, 11)) if last is not None else None,
                "goal_impressions": goal,
                "goal_period": goal_period,
                "daily_cap": cap,
            },
        )
        campaigns.append(campaign)
    for index, (name, owner, codes, text, colour, weight, start, length, alt) in enumerate(BANNERS):
        banner = Banner.objects.filter(name=name).first()
        if banner is None:
            first_slot = slots[codes[0]]
            banner = Banner(
                campaign=campaigns[owner],
                name=name,
                alt_text=alt,
                target_url=f"https://example.com/ads/{index + 1}/?utm_source=medipharm",
                starts_at=midnight + timedelta(days=start),
                ends_at=midnight + timedelta(days=start + length) if length else None,
                weight=weight,
            )
            banner.image.save(
                f"demo-{codes[0]}-{owner}.png",
                ContentFile(
                    demo_banner_image(
                        text,
                        first_slot.width * DEMO_DENSITY,
                        first_slot.height * DEMO_DENSITY,
                        colour,
                        scale=DEMO_DENSITY,
                    )
                ),
                save=False,
            )
            banner.save()
        for code in codes:
            placement, _ = Placement.objects.get_or_create(
                banner=banner, slot=slots[code], defaults={"weight": weight}
            )
            placements.append(placement)
    tag, _ = Banner.objects.get_or_create(
        name="광고 네트워크 데모 태그",
        defaults={
            "campaign": campaigns[3],
            "kind": Banner.Kind.AD_TAG,
            "ad_tag": DEMO_AD_TAG,
            "alt_text": "광고 네트워크 데모",
            "starts_at": midnight - timedelta(days=3),
            "ends_at": midnight + timedelta(days=11),
        },
    )
    Placement.objects.get_or_create(banner=tag, slot=slots["article-side-2"])
    stats = _stats(placements, now=now, days=14)
    return {
        "advertisers": len(advertisers),
        "campaigns": Campaign.objects.count(),
        "banners": Banner.objects.count(),
        "placements": Placement.objects.count(),
        "stats_created": stats,
    }
