"""Fixtures for the regions tests: an empty Region table inside one test's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models

from shegong.regions.models import Region


def models_depending_on_regions() -> list[type[models.Model]]:
    """Region and every model that reaches it through database foreign keys, at any depth.

    Found from the model registry, so models that later issues add are included. A foreign key
    without a database constraint (AuditEvent.user) does not count: those rows may dangle.
    """
    found: list[type[models.Model]] = [Region]
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if model in found or meta.proxy or not meta.managed:
                continue
            if any(
                field.is_relation
                and getattr(field, "db_constraint", False)
                and field.related_model is not None
                and field.related_model._meta.concrete_model in found
                for field in meta.concrete_fields
            ):
                found.append(model)
                grown = True
    return found


@pytest.fixture
def empty_divisions(db: Any) -> None:
    """No divisions, and nothing that points at one, for the rest of this test.

    The session's test world (tests/conftest.py) is deleted with plain DELETEs inside the test's
    transaction, which is rolled back afterwards, so the other tests see it whole again. Foreign
    keys are deferred on PostgreSQL and SQLite, so the order of the DELETEs does not matter;
    the constraint check at teardown fails the test if anything pointing at a region was missed.
    The audit log has no foreign key to regions and stays.
    """
    with connection.cursor() as cursor:
        for model in models_depending_on_regions():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    assert not Region.objects.exists()
