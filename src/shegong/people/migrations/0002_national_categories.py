from django.db import migrations


def install(apps, schema_editor):
    from shegong.people.categories import sync

    sync(apps.get_model("people", "Category"))


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
