"""The State Council's public holidays and adjusted working days (fixtures/holidays/), loaded
into the calendar so that a fresh install counts review deadlines right. Rows the office
already keeps are left as they are (delegations.holidays.load_holidays). Reversing keeps the
rows: they may have been edited since, and the schema does not depend on them."""

from django.db import migrations


def load(apps, schema_editor):
    from delegations.holidays import load_holidays

    load_holidays(model=apps.get_model("delegations", "CalendarDay"))


class Migration(migrations.Migration):

    dependencies = [
        ("delegations", "0005_calendar_day_notice_history"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
