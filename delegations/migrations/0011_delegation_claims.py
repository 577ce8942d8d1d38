"""A township's claim (认领): the claiming township and the department's opinion.

SQLite rebuilds the delegation table to add the constraints, which drops its triggers: the
triggers of 0003 are created again at the end (as in 0004).
"""

import importlib

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The 0003 triggers, created again on SQLite (the function of 0004).
recreate_sqlite_triggers = importlib.import_module(
    "delegations.migrations.0004_workflow_records"
).recreate_sqlite_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('delegations', '0010_known_province_sources'),
        ('duties', '0004_text_length_limits'),
        ('townships', '0002_profile_must_change_password'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='delegation',
            name='claimed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='townships.township', verbose_name='claimed by township'),
        ),
        migrations.AddField(
            model_name='delegation',
            name='department_opinion',
            field=models.CharField(blank=True, choices=[('agree', 'agree'), ('object', 'object')], max_length=16, verbose_name="department's opinion"),
        ),
        migrations.AddField(
            model_name='delegation',
            name='department_opinion_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name="department's opinion given at"),
        ),
        migrations.AddField(
            model_name='delegation',
            name='department_opinion_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name="department's opinion given by"),
        ),
        migrations.AddField(
            model_name='delegation',
            name='department_opinion_text',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name="department's opinion: reasons"),
        ),
        migrations.AddField(
            model_name='historicaldelegation',
            name='claimed_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='townships.township', verbose_name='claimed by township'),
        ),
        migrations.AddField(
            model_name='historicaldelegation',
            name='department_opinion',
            field=models.CharField(blank=True, choices=[('agree', 'agree'), ('object', 'object')], max_length=16, verbose_name="department's opinion"),
        ),
        migrations.AddField(
            model_name='historicaldelegation',
            name='department_opinion_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name="department's opinion given at"),
        ),
        migrations.AddField(
            model_name='historicaldelegation',
            name='department_opinion_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name="department's opinion given by"),
        ),
        migrations.AddField(
            model_name='historicaldelegation',
            name='department_opinion_text',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name="department's opinion: reasons"),
        ),
        migrations.AddConstraint(
            model_name='delegation',
            constraint=models.CheckConstraint(condition=models.Q(('department_opinion__in', ['', 'agree', 'object']), models.Q(('department_opinion', ''), ('claimed_by__isnull', False), _connector='OR')), name='delegation_department_opinion_on_claims', violation_error_message="Only a township's claim has the department's opinion."),
        ),
        migrations.AddConstraint(
            model_name='delegation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('department_opinion', 'object'), _negated=True), models.Q(('department_opinion_text', ''), _negated=True), _connector='OR'), name='delegation_department_objection_has_reasons', violation_error_message="The department's objection must state its reasons."),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
