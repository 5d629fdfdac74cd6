from django.db import migrations


def install(apps, schema_editor):
    from shegong.fieldwork.policy import install_defaults

    install_defaults(
        apps.get_model("fieldwork", "VisitPolicy"), apps.get_model("people", "Category")
    )


def remove(apps, schema_editor):
    apps.get_model("fieldwork", "VisitPolicy").objects.filter(
        station__isnull=True, region__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial"), ("people", "0002_national_categories")]
    operations = [migrations.RunPython(install, remove)]
