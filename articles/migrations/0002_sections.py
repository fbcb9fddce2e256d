from django.db import migrations

# The paper's desks, in navigation order. Spelling is exact: ㆍ (U+318D) and · (U+00B7).
SECTIONS = [
    ("행정", "policy", 10),
    ("제약ㆍ약사", "pharma", 20),
    ("의료·병원", "hospital", 30),
    ("산업", "industry", 40),
    ("학술", "academy", 50),
    ("인물", "people", 60),
    ("오피니언", "opinion", 70),
    ("기타", "etc", 80),
]


def create_sections(apps, schema_editor):
    Section = apps.get_model("articles", "Section")
    for name, slug, order in SECTIONS:
        Section.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create_sections, migrations.RunPython.noop)]
