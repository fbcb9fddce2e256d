"""Enrolled editors keep their authenticator app: every confirmed TwoFactorDevice becomes a
confirmed django-otp TOTPDevice with the same key (base32 → hex) and the last step used, so a
code already used cannot be used again."""

import base64

from django.db import migrations


def forwards(apps, schema_editor):
    TwoFactorDevice = apps.get_model("newsroom", "TwoFactorDevice")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for old in TwoFactorDevice.objects.filter(confirmed_at__isnull=False):
        secret = old.secret.upper()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
        TOTPDevice.objects.create(
            user_id=old.user_id,
            name="인증 앱",
            confirmed=True,
            key=key,
            step=30,
            t0=0,
            digits=6,
            tolerance=1,
            drift=0,
            last_t=old.last_used_step,
            created_at=old.confirmed_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0002_two_factor_device"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
