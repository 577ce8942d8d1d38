"""Workflow records: the office's answer to an objection, the opinions' own history, the
revocations (whole or partial), length limits and the agreement file's validator.

SQLite alters a column by rebuilding the table, which drops its triggers: the triggers of
0003 (a delegation outside the draft state names items and townships) are created again at
the end. PostgreSQL keeps them (nothing here rebuilds its table).
"""

import importlib

import delegations.uploads
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


_TRIGGERS = importlib.import_module("delegations.migrations.0003_delegation_needs_items_trigger")


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _TRIGGERS.SQLITE_BACKWARD + _TRIGGERS.SQLITE_FORWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('delegations', '0003_delegation_needs_items_trigger'),
        ('duties', '0004_text_length_limits'),
        ('townships', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='townshipopinion',
            name='responded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='responded at'),
        ),
        migrations.AddField(
            model_name='townshipopinion',
            name='responded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responded by'),
        ),
        migrations.AddField(
            model_name='townshipopinion',
            name='response',
            field=models.TextField(blank=True, help_text="The compilation office's written answer to an objection, before approval.", max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name="office's response"),
        ),
        migrations.AlterField(
            model_name='assignment',
            name='description',
            field=models.TextField(blank=True, max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='description'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='agreement_file',
            field=models.FileField(blank=True, upload_to='agreements/%Y/', validators=[delegations.uploads.validate_agreement_pdf], verbose_name='agreement document (PDF)'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='agreement_powers',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='agreement: powers'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='agreement_scope',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='agreement: scope'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='decision_note',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='decision note'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='legal_basis',
            field=models.TextField(blank=True, max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='legal basis'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='legal_review_note',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='legality review note'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='reason',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='delegation',
            name='support_measures',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='training and guidance'),
        ),
        migrations.AlterField(
            model_name='historicalassignment',
            name='description',
            field=models.TextField(blank=True, max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='description'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='agreement_file',
            field=models.TextField(blank=True, max_length=100, validators=[delegations.uploads.validate_agreement_pdf], verbose_name='agreement document (PDF)'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='agreement_powers',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='agreement: powers'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='agreement_scope',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='agreement: scope'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='decision_note',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='decision note'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='legal_basis',
            field=models.TextField(blank=True, max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='legal basis'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='legal_review_note',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='legality review note'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='reason',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='historicaldelegation',
            name='support_measures',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='training and guidance'),
        ),
        migrations.AlterField(
            model_name='townshipopinion',
            name='given_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='given at'),
        ),
        migrations.AlterField(
            model_name='townshipopinion',
            name='text',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='explanation'),
        ),
        migrations.CreateModel(
            name='HistoricalTownshipOpinion',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('opinion', models.CharField(choices=[('agree', 'agree'), ('object', 'object')], max_length=8, verbose_name='opinion')),
                ('text', models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='explanation')),
                ('given_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='given at')),
                ('response', models.TextField(blank=True, help_text="The compilation office's written answer to an objection, before approval.", max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name="office's response")),
                ('responded_at', models.DateTimeField(blank=True, null=True, verbose_name='responded at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('delegation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='delegations.delegation', verbose_name='delegation')),
                ('given_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='given by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('responded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responded by')),
                ('township', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='townships.township', verbose_name='township')),
            ],
            options={
                'verbose_name': 'historical township opinion',
                'verbose_name_plural': 'historical township opinions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Revocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('revoked_on', models.DateField(verbose_name='revoked on')),
                ('reason', models.TextField(max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='reason')),
                ('document_no', models.CharField(max_length=100, verbose_name='revocation document no.')),
                ('partial', models.BooleanField(default=False, help_text='It ends only some townships or items.', verbose_name='partial')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='recorded at')),
                ('delegation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revocations', to='delegations.delegation', verbose_name='delegation')),
                ('duty_items', models.ManyToManyField(related_name='revocations', to='duties.dutyitem', verbose_name='duty items')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('townships', models.ManyToManyField(related_name='revocations', to='townships.township', verbose_name='townships')),
            ],
            options={
                'verbose_name': 'revocation',
                'verbose_name_plural': 'revocations',
                'ordering': ['delegation', 'revoked_on', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='revocation_has_reason', violation_error_message='A revocation must state its reason.'), models.CheckConstraint(condition=models.Q(('document_no', ''), _negated=True), name='revocation_has_document_no', violation_error_message='A revocation needs its document number.')],
            },
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
