# Webhook endpoints (URL, secret, state, failures) that routing rules point at, and what the outbox
# needs for them: rows that reference an endpoint, may have no lead (an e-mail about an endpoint),
# can be held while their endpoint is disabled, and record the response time of the last attempt.
# 0005 moves the rules' webhook URLs and secrets into endpoints; 0006 drops the old fields.

import django.db.models.deletion
import forms_app.models.sales
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forms_app', '0003_embed_spam_and_sales_loop'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120)),
                ('url', models.URLField(max_length=500)),
                ('secret', models.CharField(default=forms_app.models.sales.webhook_secret_new, max_length=100)),
                ('previous_secret', models.CharField(blank=True, max_length=100)),
                ('previous_secret_expires_at', models.DateTimeField(blank=True, null=True)),
                ('state', models.CharField(choices=[('active', 'Active'), ('disabled', 'Disabled')], default='active', max_length=10)),
                ('consecutive_failures', models.PositiveIntegerField(default=0)),
                ('last_success_at', models.DateTimeField(blank=True, null=True)),
                ('last_failure_at', models.DateTimeField(blank=True, null=True)),
                ('disabled_at', models.DateTimeField(blank=True, null=True)),
                ('disabled_reason', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['name', 'id'],
            },
        ),
        migrations.AddField(
            model_name='routingrule',
            name='webhook_endpoint',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rules', to='forms_app.webhookendpoint'),
        ),
        migrations.AddField(
            model_name='notification',
            name='endpoint',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to='forms_app.webhookendpoint'),
        ),
        migrations.AddField(
            model_name='notification',
            name='last_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='response_ms',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='response_status',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='notification',
            name='lead',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='forms_app.lead'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('sending', 'Sending'), ('delivered', 'Delivered'), ('failed', 'Failed'), ('held', 'Held (endpoint disabled)')], default='pending', max_length=10),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['endpoint', '-created_at'], name='forms_app_n_endpoin_1d017c_idx'),
        ),
    ]
