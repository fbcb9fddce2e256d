from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "기사"

    def ready(self):
        from . import signals

        signals.connect()

        from newsroom import pagecache

        from .views import count_view

        # A cached article page still counts its view.
        pagecache.register_hit_action("article-view", count_view)

        from .templatetags.reader_tags import render_most_read
        from .views import render_side_blocks

        # The side column's lists change with every publish; the pages around them need not.
        pagecache.register_live_part("most-read", render_most_read)
        pagecache.register_live_part("side-blocks", render_side_blocks)

        from django.core.signals import request_finished

        from . import viewcounts

        request_finished.connect(viewcounts.flush_if_due, dispatch_uid="articles.views.flush")
