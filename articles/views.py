from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import Article, Reporter, Section, Tag

PAGE_SIZE = 20


def _page(request, queryset):
    paginator = Paginator(queryset, PAGE_SIZE)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(int(number))
    except (ValueError, TypeError):
        raise Http404("잘못된 페이지 번호입니다.") from None
    except Exception:
        raise Http404("없는 페이지입니다.") from None


def home(request):
    latest = Article.objects.published().for_listing()[:20]
    return render(request, "articles/home.html", {"latest": latest})


def section(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = _page(request, Article.objects.published().filter(section=section).for_listing())
    return render(request, "articles/list.html", {"heading": section.name, "page": page})


def reporter(request, pk):
    reporter = get_object_or_404(Reporter, pk=pk)
    page = _page(request, reporter.articles.published().for_listing())
    return render(request, "articles/list.html", {"heading": f"{reporter.name} 기자", "page": page})


def tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = _page(request, tag.articles.published().for_listing())
    return render(request, "articles/list.html", {"heading": f"#{tag.name}", "page": page})


def render_article(request, article: Article, *, preview: bool = False):
    """The article page; the admin's preview renders through here too, so a preview is exactly
    what readers will see."""
    return render(request, "articles/detail.html", {"article": article, "is_preview": preview})


def detail(request, pk):
    article = get_object_or_404(
        Article.objects.published().select_related("section").prefetch_related("reporters", "tags"),
        pk=pk,
    )
    return render_article(request, article)
