"""The article form's own widgets."""

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from newsroom.params import ascii_int

from .models import Photo
from .photos import renditions_for
from .richtext import PHOTO_PICKER_FILES, photo_picker_urls


class LeadPhotoWidget(forms.Widget):
    """The lead photo (Article.lead_photo), chosen from the photo library or uploaded into it
    with the body's own picker in "lead" mode (photo-picker.js): a hidden input holding the
    photo's id, a preview of its thumbnail with its caption, and 고르기 and 지우기 buttons.
    Without JavaScript the field keeps its value and says so."""

    template_name = "admin/articles/widgets/lead_photo.html"

    @property
    def media(self):
        return forms.Media(css={"all": [PHOTO_PICKER_FILES["css"]]}, js=[PHOTO_PICKER_FILES["js"]])

    def id_for_label(self, id_):
        # No <label for>: the value is hidden, and a label pointing at a button would replace
        # the button's own name. The field is a group named 대표 사진 instead.
        return None

    def chosen(self, value) -> tuple[Photo | None, object]:
        """The chosen photo and its thumbnail rendition (two queries), or (None, None)."""
        pk = ascii_int(str(value)) if value not in (None, "") else None
        photo = (
            Photo.objects.filter(pk=pk)
            .only("id", "image", "caption", "credit", "focal_x", "focal_y")
            .first()
            if pk
            else None
        )
        if photo is None:
            return None, None
        return photo, renditions_for([photo], ("thumb",))[photo.pk]["thumb"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        photo, thumb = self.chosen(value)
        context["widget"].update(
            photo=photo,
            thumb=thumb,
            value=photo.pk if photo else "",
            urls=photo_picker_urls(),
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/admin/…), like the admin's own pages.
        context = self.get_context(name, value, attrs)
        return mark_safe(render_to_string(self.template_name, context))  # noqa: S308
