import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("banners", "0005_move_banners_into_campaigns")]

    operations = [
        migrations.AlterField(
            model_name="banner",
            name="campaign",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="banners",
                to="banners.campaign",
                verbose_name="캠페인",
            ),
        ),
    ]
