import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The pictures live in the photo library now (0014): the old lead image fields go. The
    article's own caption stays, renamed for what it is: an override of the photo's caption."""

    dependencies = [
        ("articles", "0014_pictures_into_photo_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="article", name="lead_image"),
        migrations.RemoveField(model_name="article", name="lead_image_thumbnail"),
        migrations.RemoveField(model_name="article", name="lead_image_credit"),
        migrations.RenameField(
            model_name="article", old_name="lead_image_caption", new_name="lead_photo_caption"
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_photo_caption",
            field=models.CharField(
                blank=True,
                help_text="비워 두면 사진DB에 적힌 사진 설명을 씁니다.",
                max_length=200,
                verbose_name="이 기사의 사진 설명",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_photo",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lead_of",
                to="articles.photo",
                verbose_name="대표 사진",
            ),
        ),
        migrations.RemoveField(model_name="articlerevision", name="lead_image"),
        migrations.RemoveField(model_name="articlerevision", name="lead_image_thumbnail"),
        migrations.RemoveField(model_name="articlerevision", name="lead_image_caption"),
        migrations.RemoveField(model_name="articlerevision", name="lead_image_credit"),
    ]
