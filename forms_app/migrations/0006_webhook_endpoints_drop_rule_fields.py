# The rules' webhook URL and secret, and the secret copied onto each outbox row, now live on the
# endpoint (0005 moved them there).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('forms_app', '0005_webhook_endpoints_from_rules'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='notification',
            name='signing_secret',
        ),
        migrations.RemoveField(
            model_name='routingrule',
            name='notify_webhook_url',
        ),
        migrations.RemoveField(
            model_name='routingrule',
            name='webhook_secret',
        ),
    ]
