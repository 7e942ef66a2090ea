from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one plan per unit and year"


class Plan(Table, tablename="plan"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="plans", description=DESCRIPTION)

    async def create_index():
        # Piccolo has no composite unique constraint; the index also serves "the plans of a unit".
        await Plan.raw("CREATE UNIQUE INDEX plan_unit_year_uniq ON plan (unit, year)")

    async def drop_index():
        await Plan.raw("DROP INDEX plan_unit_year_uniq")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
