from django.db import migrations


def store_image_sizes(apps, schema_editor):
    """Fill the size fields of image banners saved without them (see Banner.save)."""
    Banner = apps.get_model("banners", "Banner")
    for banner in Banner.objects.exclude(image="").filter(image_width__isnull=True):
        try:
            width, height = banner.image.width, banner.image.height
        except (OSError, ValueError):
            continue  # the file is missing: nothing to measure
        Banner.objects.filter(pk=banner.pk).update(image_width=width, image_height=height)


class Migration(migrations.Migration):
    dependencies = [("banners", "0002_create_reference_page_slots")]

    operations = [migrations.RunPython(store_image_sizes, migrations.RunPython.noop)]
