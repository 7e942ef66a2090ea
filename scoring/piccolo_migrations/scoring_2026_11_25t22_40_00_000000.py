from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-25T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one rule per year and block"


class ScoringRule(Table, tablename="scoring_rule"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def create_indexes():
        # Piccolo has no composite or partial unique constraint.
        await ScoringRule.raw("CREATE UNIQUE INDEX scoring_rule_year_block_uniq ON scoring_rule (year, block)")
        # One current entry per unit, year and criterion; replaced entries stay as history.
        await ScoringRule.raw("CREATE UNIQUE INDEX manual_score_current_uniq ON manual_score (unit, year, criterion) "
                              "WHERE replaced_at IS NULL")

    async def drop_indexes():
        await ScoringRule.raw("DROP INDEX manual_score_current_uniq")
        await ScoringRule.raw("DROP INDEX scoring_rule_year_block_uniq")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
