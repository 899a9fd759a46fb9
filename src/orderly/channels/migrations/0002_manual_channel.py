from django.db import migrations


def create_manual_channel(apps, schema_editor):
    SalesChannel = apps.get_model("channels", "SalesChannel")
    SalesChannel.objects.get_or_create(name="Manual", kind="manual", defaults={"enabled": True})


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial")]

    operations = [migrations.RunPython(create_manual_channel, migrations.RunPython.noop)]
