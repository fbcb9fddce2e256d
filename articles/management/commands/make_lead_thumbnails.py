from django.core.management.base import BaseCommand, CommandError

from articles.services import fill_missing_lead_thumbnails


class Command(BaseCommand):
    help = (
        "대표 사진은 있는데 썸네일이 없는 기사(업로드 파이프라인 이전에 들어온 기사)의 "
        "썸네일을 만듭니다. 여러 번 실행해도 이미 있는 썸네일은 건드리지 않습니다."
    )

    def handle(self, *args, **options):
        made, failed = fill_missing_lead_thumbnails()
        self.stdout.write(f"썸네일 {made}개를 만들었습니다.")
        if failed:
            raise CommandError(
                f"썸네일을 만들지 못한 기사 {len(failed)}건: " + ", ".join(failed[:20])
            )
