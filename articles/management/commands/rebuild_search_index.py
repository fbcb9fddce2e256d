from django.core.management.base import BaseCommand
from django.db import connection

from articles.bigrams import fill_search_documents
from articles.models import Article


class Command(BaseCommand):
    help = (
        "검색 색인(기사별 2글자 조각)을 다시 만듭니다. 모델을 거치지 않고 고친 기사가 있을 때 "
        "실행하세요 (--missing: 색인이 없는 기사만)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="색인이 없는 기사만")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, missing, batch_size, **options):
        written = fill_search_documents(
            Article, only_missing=missing, batch_size=max(batch_size, 1)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")
        self.stdout.write(f"검색 색인 {written}건을 만들었습니다.")
