from django.core.management.base import BaseCommand, CommandError

from banners.services import flush_stats


class Command(BaseCommand):
    help = (
        "캐시에 모인 배너 노출 수를 데이터베이스 통계로 옮깁니다. "
        "REDIS_URL을 쓰는 운영 서버에서는 cron으로 몇 분마다 실행하세요."
    )

    def handle(self, *args, **options):
        try:
            moved = flush_stats()
        except Exception as error:
            raise CommandError(f"배너 통계를 옮기지 못했습니다: {error}") from error
        self.stdout.write(f"배너 노출 {moved}건을 통계에 반영했습니다.")
