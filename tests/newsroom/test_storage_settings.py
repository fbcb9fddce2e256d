"""Media storage: object storage through django-storages when a bucket is named, local files
otherwise. No network: only the settings are read."""

from tests.newsroom.conftest import settings_in_production

S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
    "AWS_S3_ENDPOINT_URL": "https://objects.example.net",
    "AWS_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
    "AWS_S3_REGION_NAME": "kr-central-1",
}


def test_without_a_bucket_media_are_local_files():
    printed = settings_in_production("settings.STORAGES['default']['BACKEND']")
    assert printed == "django.core.files.storage.FileSystemStorage"


def test_with_a_bucket_media_go_to_object_storage():
    printed = settings_in_production(
        "settings.STORAGES['default']['BACKEND'], settings.AWS_S3_ENDPOINT_URL,"
        " settings.AWS_QUERYSTRING_AUTH, settings.AWS_S3_FILE_OVERWRITE",
        **S3_ENV,
    )
    assert printed == "storages.backends.s3.S3Storage https://objects.example.net False False"


def test_the_storage_object_is_django_storages_s3_with_the_bucket_and_keys():
    printed = settings_in_production(
        "(lambda s: (type(s).__module__, s.bucket_name, s.access_key, s.endpoint_url))"
        "(__import__('django.core.files.storage', fromlist=['storages']).storages['default'])",
        **S3_ENV,
    )
    assert printed == (
        "('storages.backends.s3', 'newsroom-media', 'AKIAEXAMPLE', 'https://objects.example.net')"
    )


def test_a_cdn_domain_for_the_bucket_becomes_the_media_url():
    printed = settings_in_production(
        "settings.MEDIA_URL", AWS_S3_CUSTOM_DOMAIN="media.news.example.com", **S3_ENV
    )
    assert printed == "https://media.news.example.com/media/"


def test_static_files_stay_with_whitenoise_when_media_move():
    printed = settings_in_production("settings.STORAGES['staticfiles']['BACKEND']", **S3_ENV)
    assert printed == "whitenoise.storage.CompressedManifestStaticFilesStorage"
