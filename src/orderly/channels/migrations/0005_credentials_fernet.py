"""Re-encrypt channel credentials written with the first scheme (`v1.`, stdlib HMAC-CTR) as Fernet (`v2.`).

Values that cannot be read with this server's key are left as they are (the channel page and its syncs say the
credentials must be entered again); reversing leaves v2 values in place, which this code still reads.
"""

from django.db import migrations


def reencrypt(apps, schema_editor):
    from orderly.core import crypto

    SalesChannel = apps.get_model("channels", "SalesChannel")
    for channel in SalesChannel.objects.filter(credentials_encrypted__startswith=crypto.LEGACY_PREFIX):
        try:
            secrets = crypto.decrypt(channel.credentials_encrypted, purpose=crypto.CHANNELS)
        except crypto.CredentialsUnreadable:
            continue
        channel.credentials_encrypted = crypto.encrypt(secrets, purpose=crypto.CHANNELS)
        channel.save(update_fields=["credentials_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("channels", "0004_sync_run_heartbeat")]

    operations = [migrations.RunPython(reencrypt, migrations.RunPython.noop)]
