from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import demo as articles_demo
from banners import demo as banners_demo
from newsroom.site.demo import ensure_demo_accounts, ensure_policy_pages, ensure_site_info
from newsroom.site.roles import ensure_roles
from weather import demo as weather_demo


class Command(BaseCommand):
    help = (
        "데모 신문사 데이터(섹션, 기사, 기자, 배너, 날씨, 데모 계정)를 불러옵니다. "
        "여러 번 실행해도 중복되지 않습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="DEBUG가 꺼진 환경에서도 실행합니다 (운영 서버에서는 쓰지 마세요).",
        )
        parser.add_argument(
            "--no-logins", action="store_true", help="데모 계정의 비밀번호를 출력하지 않습니다."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "load_demo는 개발용입니다: "
                "DJANGO_DEBUG=1에서 실행하거나 --allow-production을 주세요."
            )
        ensure_roles()
        ensure_site_info()
        ensure_policy_pages()
        accounts = ensure_demo_accounts()
        counts = articles_demo.load()
        self.stdout.write(
            f"데모 기사 {counts['articles']}건 (새로 만든 기사 {counts['articles_created']}건), "
            f"기자 {counts['reporters']}명"
        )
        weather = weather_demo.load()
        self.stdout.write(f"데모 날씨: 기상청 2025-08-26 15:00 관측 {weather['readings']}개 지점")
        banner_counts = banners_demo.load()
        self.stdout.write(
            f"데모 배너 {banner_counts['banners']}개, 광고주 {banner_counts['advertisers']}곳"
        )
        if not options["no_logins"]:
            self.stdout.write("")
            self.stdout.write("데모 계정 (관리자 화면: /admin/)")
            for account, password in accounts:
                self.stdout.write(f"  {account.label:<18} {account.username:<10} {password}")
