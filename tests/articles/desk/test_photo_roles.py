"""Who may do what in the photo library, through real admin requests: every role × every action,
judged by its effect in the database (a forbidden action changes nothing, whatever the page
says).

The rule (articles.services.can_change_photo / can_delete_photo): reporters and the desk see the
whole library and upload into it; the desk describes, re-crops and deletes any photo; a reporter
changes their own uploads while no published article shows them, and deletes their own unused
uploads; nobody deletes a photo in use; ad managers see none of it.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from articles import services
from articles.models import Article, Photo
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER

from .helpers import image_bytes

pytestmark = pytest.mark.django_db

Status = Article.Status
LIST_URL = "/admin/articles/photo/"
ROLES = ["reporter", "desk", "admanager", "anonymous"]


def photo_by(user, caption="사진DB 사진"):
    upload = SimpleUploadedFile("p.jpg", image_bytes(size=(160, 90)), "image/jpeg")
    photo = services.photo_add(upload=upload, by=None, caption=caption)
    Photo.objects.filter(pk=photo.pk).update(uploaded_by=user)
    photo.refresh_from_db()
    return photo


@pytest.fixture
def world(make_article, reporter_user, desk_user, admanager_user, other_reporter_user):
    return {
        "actors": {
            "reporter": reporter_user,
            "desk": desk_user,
            "admanager": admanager_user,
            "anonymous": None,
        },
        "other": other_reporter_user,
        "make_article": make_article,
    }


def own(world, role, **kwargs):
    return photo_by(world["actors"][role], **kwargs)


def others(world, **kwargs):
    return photo_by(world["other"], **kwargs)


def post_change(client, photo, **overrides):
    data = {
        "caption": photo.caption,
        "credit": photo.credit,
        "licence": photo.licence,
        "keywords": photo.keywords,
        "taken_at_0": "",
        "taken_at_1": "",
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
        **overrides,
    }
    return client.post(f"/admin/articles/photo/{photo.pk}/change/", data)


def caption_now(photo) -> str:
    photo.refresh_from_db()
    return photo.caption


# Each action performs the request and returns whether it took effect.


def view_grid(client, world, role):
    others(world, caption="남이 올린 사진")
    response = client.get(LIST_URL)
    return response.status_code == 200 and "남이 올린 사진" in response.content.decode()


def open_others_photo(client, world, role):
    photo = others(world, caption="남이 올린 사진")
    response = client.get(f"/admin/articles/photo/{photo.pk}/change/")
    return response.status_code == 200 and "남이 올린 사진" in response.content.decode()


def add_photo(client, world, role):
    upload = SimpleUploadedFile("new.jpg", image_bytes(size=(120, 80)), "image/jpeg")
    client.post(
        "/admin/articles/photo/add/",
        {"image": upload, "caption": "새로 올린 사진", "keywords": "", "taken_at_0": ""},
    )
    return Photo.objects.filter(caption="새로 올린 사진").exists()


def change_own_photo(client, world, role):
    photo = own(world, role)
    post_change(client, photo, caption="고친 설명")
    return caption_now(photo) == "고친 설명"


def change_others_photo(client, world, role):
    photo = others(world)
    post_change(client, photo, caption="고친 설명")
    return caption_now(photo) == "고친 설명"


def change_own_photo_readers_see(client, world, role):
    photo = own(world, role)
    world["make_article"](by=world["other"], status=Status.PUBLISHED, lead_photo=photo)
    post_change(client, photo, caption="고친 설명")
    return caption_now(photo) == "고친 설명"


def set_focal_of_own_photo(client, world, role):
    photo = own(world, role)
    post_change(client, photo, focal_x="0.2", focal_y="0.8")
    photo.refresh_from_db()
    return (photo.focal_x, photo.focal_y) == (0.2, 0.8)


def set_focal_of_others_photo(client, world, role):
    photo = others(world)
    post_change(client, photo, focal_x="0.2", focal_y="0.8")
    photo.refresh_from_db()
    return (photo.focal_x, photo.focal_y) == (0.2, 0.8)


def delete_own_unused(client, world, role):
    photo = own(world, role)
    client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"})
    return not Photo.objects.filter(pk=photo.pk).exists()


def delete_others_unused(client, world, role):
    photo = others(world)
    client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"})
    return not Photo.objects.filter(pk=photo.pk).exists()


def delete_own_used(client, world, role):
    photo = own(world, role)
    world["make_article"](by=world["actors"][role]).body_photos.add(photo)
    client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"})
    return not Photo.objects.filter(pk=photo.pk).exists()


def bulk_delete_others_unused(client, world, role):
    photo = others(world)
    client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"}
    )
    return not Photo.objects.filter(pk=photo.pk).exists()


def bulk_delete_own_unused(client, world, role):
    photo = own(world, role)
    client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"}
    )
    return not Photo.objects.filter(pk=photo.pk).exists()


MATRIX = {
    view_grid: {"reporter", "desk"},
    open_others_photo: {"reporter", "desk"},
    add_photo: {"reporter", "desk"},
    change_own_photo: {"reporter", "desk"},
    change_others_photo: {"desk"},
    change_own_photo_readers_see: {"desk"},  # a change readers would see is the desk's call
    set_focal_of_own_photo: {"reporter", "desk"},
    set_focal_of_others_photo: {"desk"},
    delete_own_unused: {"reporter", "desk"},
    delete_others_unused: {"desk"},
    delete_own_used: set(),  # a photo in use is never deleted
    bulk_delete_others_unused: {"desk"},
    bulk_delete_own_unused: {"reporter", "desk"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perform", list(MATRIX), ids=lambda f: f.__name__)
def test_role_may_do_exactly_what_the_photo_matrix_allows(client, world, role, perform):
    user = world["actors"][role]
    if user is not None:
        client.force_login(user)
    allowed = role in MATRIX[perform]
    assert perform(client, world, role) is allowed, (
        f"{role} {'should' if allowed else 'must not'} be able to {perform.__name__}"
    )


def test_ad_manager_gets_403_on_every_photo_page(client, admanager_user, other_reporter_user):
    photo = photo_by(other_reporter_user)
    client.force_login(admanager_user)
    for url in (
        LIST_URL,
        "/admin/articles/photo/add/",
        f"/admin/articles/photo/{photo.pk}/change/",
        f"/admin/articles/photo/{photo.pk}/delete/",
        f"/admin/articles/photo/{photo.pk}/history/",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/admin/articles/photo/{photo.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_reporter_gets_403_changing_or_deleting_anothers_photo(
    client, reporter_user, other_reporter_user
):
    photo = photo_by(other_reporter_user, caption="이준호 기자의 사진")
    client.force_login(reporter_user)
    response = post_change(client, photo, caption="바뀌면 안 되는 설명", focal_x="0.1")
    assert response.status_code == 403
    assert client.get(f"/admin/articles/photo/{photo.pk}/delete/").status_code == 403
    photo.refresh_from_db()
    assert (photo.caption, photo.focal_x) == ("이준호 기자의 사진", 0.5)


def test_reporter_sees_anothers_photo_read_only_without_the_focal_script(
    client, reporter_user, other_reporter_user
):
    photo = photo_by(other_reporter_user)
    client.force_login(reporter_user)
    html = client.get(f"/admin/articles/photo/{photo.pk}/change/").content.decode()
    assert 'name="caption"' not in html
    assert 'name="focal_x"' not in html
    assert "photo-focal.js" not in html
    assert 'name="_save"' not in html


def test_reporters_bulk_delete_refuses_anothers_photo_among_their_own(
    client, reporter_user, other_reporter_user
):
    mine, theirs = photo_by(reporter_user), photo_by(other_reporter_user)
    client.force_login(reporter_user)
    data = {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk]}
    page = client.post(LIST_URL, data).content.decode()
    assert "데스크만 삭제할 수 있습니다" in page
    client.post(LIST_URL, {**data, "post": "yes"})
    assert Photo.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_the_services_check_the_rule_again(reporter_user, other_reporter_user, make_article):
    theirs = photo_by(other_reporter_user)
    with pytest.raises(PermissionDenied):
        services.photo_set_focal(photo=theirs, focal_x=0.1, focal_y=0.1, by=reporter_user)
    with pytest.raises(PermissionDenied):
        services.photo_delete(photo=theirs, by=reporter_user)
    mine = photo_by(reporter_user)
    make_article(by=other_reporter_user, status=Status.PUBLISHED, lead_photo=mine)
    with pytest.raises(PermissionDenied):
        services.photo_set_focal(photo=mine, focal_x=0.1, focal_y=0.1, by=reporter_user)
    assert Photo.objects.filter(pk__in=[theirs.pk, mine.pk]).count() == 2


def test_roles_hold_the_photo_permissions(roles):
    def codenames(role):
        return set(roles[role].permissions.values_list("codename", flat=True))

    photo = {"view_photo", "add_photo", "change_photo", "delete_photo"}
    assert photo <= codenames(REPORTER)
    assert photo <= codenames(DESK)
    assert not photo & codenames(AD_MANAGER)
