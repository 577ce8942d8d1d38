"""The provinces' own regulations known when this version was written, cited after the
national source in the flags of those provinces' counties (delegations.flags.legal_sources):
Shandong (37) on the territorial rules and on assignments outside the lists, Shanghai (31) on
assignments outside the lists. A row the office already keeps is left as it is; each row
written gets its history row. Reversing removes only the rows still as shipped here."""

from django.db import migrations
from django.utils import timezone

SHANDONG = "鲁编办发〔2019〕4号《关于明晰县乡职责规范“属地管理”的若干意见（试行）》"
SHIPPED = [
    ("37", "MAIN_DUTY_SHIFTED", f"{SHANDONG}：主体责任和配合责任清单，部门不得将主体责任转嫁给乡镇（街道）"),
    ("37", "VAGUE_COOPERATION", f"{SHANDONG}：主体责任和配合责任清单须明确具体，依单监管问责"),
    ("37", "UNLISTED_ASSIGNMENT", f"{SHANDONG}：交办事项准入机制"),
    ("31", "UNLISTED_ASSIGNMENT", "《上海市街道办事处条例》第十一条"),
]
REASON = "随版本发布的省级依据"


def load(apps, schema_editor):
    ProvinceSource = apps.get_model("delegations", "ProvinceSource")
    History = apps.get_model("delegations", "HistoricalProvinceSource")
    now = timezone.now()
    for province, rule, text in SHIPPED:
        if ProvinceSource.objects.filter(province=province, rule=rule).exists():
            continue
        row = ProvinceSource.objects.create(province=province, rule=rule, text=text)
        History.objects.create(
            id=row.pk, province=province, rule=rule, text=text, history_date=now,
            history_type="+", history_change_reason=REASON,
        )


def unload(apps, schema_editor):
    ProvinceSource = apps.get_model("delegations", "ProvinceSource")
    for province, rule, text in SHIPPED:
        ProvinceSource.objects.filter(province=province, rule=rule, text=text).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("delegations", "0009_province_source"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
