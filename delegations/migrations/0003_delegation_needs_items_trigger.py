"""Database-level rule: a delegation outside the draft state names items and townships.

A many-to-many set cannot be checked by a CHECK constraint, so triggers do it:
- a delegation is inserted as a draft (its items and townships are added after the row);
- it may leave the draft state (or be updated outside it) only while it has at least one
  duty item and one township.
The same rule is checked with a Chinese message by forms and services; this is the backstop.
"""

from django.db import migrations

MESSAGE = (
    "delegation_needs_items_and_townships: "
    "非草稿状态的申请须至少包含一个事项和一个乡镇 "
    "(a delegation outside the draft state needs at least one duty item and one township)"
)
INSERT_MESSAGE = (
    "delegation_created_as_draft: "
    "申请须先以草稿创建，添加事项和乡镇后再变更状态 "
    "(a delegation is created as a draft, then gets its items and townships)"
)

MISSING = (
    "NOT EXISTS (SELECT 1 FROM delegations_delegation_duty_items i WHERE i.delegation_id = NEW.id)"
    " OR NOT EXISTS (SELECT 1 FROM delegations_delegation_townships t"
    " WHERE t.delegation_id = NEW.id)"
)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER delegation_created_as_draft BEFORE INSERT ON delegations_delegation
    FOR EACH ROW WHEN NEW.state <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{INSERT_MESSAGE}'); END;""",
    f"""CREATE TRIGGER delegation_needs_items_and_townships BEFORE UPDATE ON delegations_delegation
    FOR EACH ROW WHEN NEW.state <> 'draft' AND ({MISSING})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS delegation_created_as_draft;",
    "DROP TRIGGER IF EXISTS delegation_needs_items_and_townships;",
]

POSTGRES_FORWARD = [
    f"""CREATE FUNCTION delegation_needs_items_and_townships() RETURNS trigger AS $$
    BEGIN
        IF NEW.state <> 'draft' THEN
            IF TG_OP = 'INSERT' THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation',
                    MESSAGE = '{INSERT_MESSAGE}';
            END IF;
            IF {MISSING} THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = '{MESSAGE}';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER delegation_needs_items_and_townships
    BEFORE INSERT OR UPDATE ON delegations_delegation
    FOR EACH ROW EXECUTE FUNCTION delegation_needs_items_and_townships();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS delegation_needs_items_and_townships ON delegations_delegation;",
    "DROP FUNCTION IF EXISTS delegation_needs_items_and_townships();",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("delegations", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
