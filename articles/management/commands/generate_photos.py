"""Photo rows for measuring the library at scale (`make bench-photos`): tops the library up to N
generated photos, cheaply.

A few seed photos go through the real upload pipeline (services.photo_add, renditions made);
every generated row then points to one of the seeds' files and its renditions' files
(bulk_create, nothing decoded or written to disk), with a caption, credit and keywords drawn
from the newsroom's words, upload times spread back over the months, and a share of the photos
used in articles' bodies. The rows share files: deleting one would delete a file others show.
Only for a benchmark database.
"""

import io
import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from articles import services
from articles.models import Article, Photo, PhotoRendition

GENERATOR_USERNAME = "photo-generator"
SEEDS = 8

SUBJECTS = [
    "보건복지부 장관", "식약처장", "대한의사협회 회장", "대한약사회 임원진", "간호사", "전공의",
    "응급실 의료진", "제약사 연구원", "백신 접종 현장", "신약 임상시험", "희귀질환 환자",
    "소아청소년과 진료실", "지역 보건소", "의료기기 전시회", "원격의료 시범사업", "약국",
    "국회 보건복지위원회", "건강보험심사평가원", "암 병동", "필수의료 간담회",
]  # fmt: skip
SCENES = [
    "기자간담회에서 발언하고 있다", "현장을 둘러보고 있다", "협약식에서 기념 촬영을 하고 있다",
    "토론회에 참석했다", "브리핑을 하고 있다", "회의를 주재하고 있다", "설명을 듣고 있다",
    "시연을 하고 있다", "신제품을 소개하고 있다", "성명을 발표하고 있다",
]  # fmt: skip
CREDITS = [
    "김서연 기자", "이준호 기자", "박지민 기자", "최유진 기자", "정다은 기자", "한승우 기자",
    "보건복지부 제공", "식품의약품안전처 제공", "대한의사협회 제공", "한빛제약 제공",
    "서울대병원 제공", "국민건강보험공단 제공", "자료사진", "독자 제공",
]  # fmt: skip
KEYWORDS = [
    "백신", "신약", "필수의료", "의대 정원", "약가", "원격의료", "건강보험", "희귀질환",
    "응급의료", "감염병", "의료기기", "임상시험", "전공의", "간호법", "비대면 진료",
]  # fmt: skip
PALETTES = [
    ((28, 62, 104), (140, 180, 210), (236, 200, 120)),
    ((120, 30, 45), (232, 170, 150), (250, 240, 220)),
    ((30, 90, 60), (150, 200, 140), (250, 230, 120)),
    ((60, 50, 110), (180, 160, 220), (255, 210, 170)),
    ((20, 20, 24), (110, 120, 130), (230, 90, 60)),
    ((150, 100, 20), (240, 210, 140), (60, 110, 150)),
    ((10, 70, 90), (100, 190, 200), (250, 250, 245)),
    ((90, 40, 20), (210, 140, 90), (40, 60, 40)),
]


def seed_picture(number: int) -> bytes:
    """A 1600×1067 picture, different per seed: a sky-to-ground gradient, a bright subject off
    the centre (something worth a focal point) and a few shapes."""
    dark, light, accent = PALETTES[number % len(PALETTES)]
    width, height = 1600, 1067
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(light, dark, strict=True)),
        )
    cx, cy = 380 + 170 * number % 900, 300 + 90 * number % 400
    draw.ellipse((cx - 190, cy - 190, cx + 190, cy + 190), fill=accent)
    draw.rectangle((cx - 120, cy + 210, cx + 120, height), fill=dark)
    for step in range(5):
        x = (step * 337 + number * 151) % (width - 200)
        draw.rectangle((x, 700 - step * 40, x + 160, height), outline=light, width=10)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def description(rng: random.Random) -> dict[str, str]:
    """A made-up caption, credit, licence and keywords in the newsroom's words."""
    return {
        "caption": f"{rng.choice(SUBJECTS)}이(가) {rng.choice(SCENES)}.",
        "credit": rng.choice(CREDITS),
        "licence": "자료사진" if rng.random() < 0.2 else "",
        "keywords": ", ".join(rng.sample(KEYWORDS, rng.randint(1, 3))),
    }


def photo_row(rng: random.Random, seed: Photo, uploaded_at, by) -> Photo:
    return Photo(
        image=seed.image.name,
        width=seed.width,
        height=seed.height,
        file_size=seed.file_size,
        focal_x=seed.focal_x,
        focal_y=seed.focal_y,
        uploaded_by=by,
        uploaded_at=uploaded_at,
        **description(rng),
    )


class Command(BaseCommand):
    help = (
        "규모 시험용 사진을 만듭니다: 생성된 사진이 N장이 되도록 채웁니다 (사진 파일은 몇 장을 "
        "나눠 씁니다. 벤치마크용 데이터베이스에서만 쓰세요)."
    )

    def add_arguments(self, parser):
        parser.add_argument("total", type=int, help="생성 사진의 목표 장수")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--months", type=int, default=36, help="올린 날을 펼칠 기간(개월)")
        parser.add_argument(
            "--used-share", type=float, default=0.3, help="기사 본문에 쓰인 사진의 비율(0~1)"
        )

    def handle(self, *args, total, batch_size, months, used_share, **options):
        if total < 0 or batch_size < 1 or months < 1 or not 0 <= used_share <= 1:
            raise CommandError(
                "장수는 0 이상, --batch-size와 --months는 1 이상, --used-share는 0~1이어야 합니다."
            )
        started = time.monotonic()
        made = generate(total, batch_size=batch_size, months=months, used_share=used_share)
        self.stdout.write(
            f"생성 사진 {made:,}장을 추가했습니다 ({time.monotonic() - started:.1f}초). "
            f"사진DB 전체 {Photo.objects.count():,}장."
        )


def _generator():
    user, _ = get_user_model().objects.get_or_create(
        username=GENERATOR_USERNAME, defaults={"is_active": False}
    )
    return user


def _seeds(user) -> list[Photo]:
    seeds = list(Photo.objects.filter(uploaded_by=user).order_by("pk")[:SEEDS])
    for number in range(len(seeds), SEEDS):
        upload = SimpleUploadedFile(f"seed-{number}.jpg", seed_picture(number), "image/jpeg")
        rng = random.Random(number)  # noqa: S311 -- made-up captions, not secrets
        photo = services.photo_add(upload=upload, by=None, **description(rng))
        Photo.objects.filter(pk=photo.pk).update(uploaded_by=user)
        seeds.append(photo)
    return seeds


def generate(total: int, *, batch_size: int = 5000, months: int = 36, used_share=0.3) -> int:
    """Top the generated photos up to `total` (the seeds count); returns how many were added."""
    user = _generator()
    seeds = _seeds(user)
    existing = Photo.objects.filter(uploaded_by=user).count()
    missing = total - existing
    if missing <= 0:
        return 0
    renditions = {
        seed.pk: list(PhotoRendition.objects.filter(photo=seed).order_by("spec")) for seed in seeds
    }
    # Newest generated photo just before the oldest one so far: a rerun extends backwards.
    oldest = (
        Photo.objects.filter(uploaded_by=user)
        .exclude(pk__in=[s.pk for s in seeds])
        .order_by("uploaded_at")
        .values_list("uploaded_at", flat=True)
        .first()
    ) or timezone.now()
    step = timedelta(days=30 * months) / max(total, 1)
    article_ids = list(Article.objects.order_by("-pk").values_list("pk", flat=True)[:5000])
    through = Article.body_photos.through
    rng = random.Random(existing)  # noqa: S311 -- made-up captions, not secrets
    done = 0
    while done < missing:
        size = min(batch_size, missing - done)
        with transaction.atomic():
            rows = []
            for offset in range(size):
                seed = seeds[(existing + done + offset) % len(seeds)]
                rows.append(photo_row(rng, seed, oldest - step * (done + offset + 1), user))
            photos = Photo.objects.bulk_create(rows, batch_size=1000)
            if photos and photos[0].pk is None:  # a database that returns no ids (none of ours)
                raise CommandError("bulk_create가 id를 돌려주지 않는 데이터베이스입니다.")
            seed_by_image = {seed.image.name: seed for seed in seeds}
            PhotoRendition.objects.bulk_create(
                [
                    PhotoRendition(
                        photo_id=photo.pk,
                        spec=r.spec,
                        focal_key=r.focal_key,
                        file=r.file.name,
                        width=r.width,
                        height=r.height,
                    )
                    for photo in photos
                    for r in renditions[seed_by_image[photo.image.name].pk]
                ],
                batch_size=5000,
            )
            if article_ids and used_share:
                links = [
                    through(article_id=article_ids[index % len(article_ids)], photo_id=photo.pk)
                    for index, photo in enumerate(photos)
                    if rng.random() < used_share
                ]
                through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        done += size
    return done
