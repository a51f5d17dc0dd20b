"""The schema comes from migrations, never create_all: the migrated database must match
the models exactly, or a deployment would run on a schema the code does not expect."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dispatcher.extensions import db


def test_the_migrations_build_exactly_the_models_schema(app):
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []
