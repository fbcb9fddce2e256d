"""The slots of the reference page's layout; the templates use these codes."""

from django.db import migrations

# code, name, area, position, width, height, banners shown at once, rotation
SLOTS = [
    ("top", "최상단 띠배너", "header", "페이지 맨 위, 로고 위 전체 폭", 1200, 90, 1, "weighted"),
    ("header-left", "헤더 왼쪽", "header", "로고 왼쪽", 200, 80, 1, "weighted"),
    ("header-right", "헤더 오른쪽", "header", "로고 오른쪽", 200, 80, 1, "weighted"),
    ("article-side-1", "기사 오른쪽 1", "article", "기사 오른쪽 단 맨 위", 300, 250, 1, "weighted"),
    ("article-side-2", "기사 오른쪽 2", "article", "기사 오른쪽 단 가운데", 300, 250, 1, "weighted"),
    ("article-side-3", "기사 오른쪽 3", "article", "기사 오른쪽 단 아래(세로형)", 300, 600, 1, "weighted"),
    ("article-inline", "기사 본문 중간", "article", "기사 본문 아래, 관련 기사 위", 640, 120, 1, "weighted"),
    ("home-between-1", "첫 화면 블록 사이 1", "home", "첫 화면 첫째·둘째 섹션 사이 (2개)", 540, 100, 2, "ordered"),
    ("home-between-2", "첫 화면 블록 사이 2", "home", "첫 화면 둘째·셋째 섹션 사이 (3개)", 360, 100, 3, "ordered"),
    ("footer", "하단 띠배너", "footer", "회사 정보 위 전체 폭", 1200, 90, 1, "weighted"),
]


def create_slots(apps, schema_editor):
    BannerSlot = apps.get_model("banners", "BannerSlot")
    for order, (code, name, area, position, width, height, count, rotation) in enumerate(SLOTS):
        BannerSlot.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "area": area,
                "position": position,
                "width": width,
                "height": height,
                "max_banners": count,
                "rotation": rotation,
                "sort_order": (order + 1) * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("banners", "0001_initial")]

    operations = [migrations.RunPython(create_slots, migrations.RunPython.noop)]
