from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0003_two_factor_to_django_otp"),
    ]

    operations = [migrations.DeleteModel(name="TwoFactorDevice")]
