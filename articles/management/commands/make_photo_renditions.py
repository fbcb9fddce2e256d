from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from articles.models import Article, Photo, PhotoRendition
from articles.photos import make_renditions
from articles.services import article_sync_body_photos


class Command(BaseCommand):
    help = (
        "사진DB의 모든 사진에 없는 규격(썸네일, 기사 폭, 링크 미리보기 …)을 만들고, 본문 속 "
        "사진DB 사진이 그 규격을 쓰도록 맞춥니다. 기존 사진을 사진DB로 옮긴 뒤(migrate) "
        "독자가 보기 전에 실행합니다 (make setup과 배포가 실행). 여러 번 실행해도 이미 있는 "
        "규격은 다시 만들지 않습니다."
    )

    def handle(self, *args, **options):
        failed = []
        before = PhotoRendition.objects.count()
        for photo in Photo.objects.order_by("pk").iterator():
            try:
                make_renditions(photo)
            except (OSError, ValueError, Image.DecompressionBombError) as error:
                failed.append(f"{photo.pk}({error})")
        made = PhotoRendition.objects.count() - before
        self.stdout.write(f"사진 규격 {max(made, 0)}개를 만들었습니다.")
        fitted = 0
        with_photos = Article.objects.filter(body__contains='data-photo="').only("pk", "body")
        for article in with_photos.iterator():
            body = article.body
            article_sync_body_photos(article=article)
            fitted += article.body != body
        self.stdout.write(f"본문 사진을 규격에 맞춘 기사: {fitted}건.")
        if failed:
            raise CommandError(
                f"규격을 만들지 못한 사진 {len(failed)}장: " + ", ".join(failed[:20])
            )
