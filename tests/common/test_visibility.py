"""The rules of PROCESS.md "Who may see and change what", at the core level every app reuses.

Owned-record rules are exercised through scope_readable/scope_changeable on account rows used as
owned records; the pipeline apps' own tests check the same rules through their routes.
"""

import pytest

from crm.common.visibility import (
    OWNED,
    PUBLIC,
    can_change,
    changeable_owner_ids,
    readable_owner_ids,
    scope_changeable,
    scope_readable,
    subordinate_ids,
)
from crm.customers.models import Account
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def owners(qs):
    return {a.owner.username for a in qs}


@pytest.fixture
def one_each(org):
    for user in (org.admin, org.maria, org.sam, org.sofia, org.walt, org.tom, org.olga):
        AccountFactory(owner=user, name=f"of {user.username}")
    return Account.objects.select_related("owner")


def test_manager_hierarchy_is_transitive(org):
    assert subordinate_ids(org.maria) == {org.sam.pk, org.sofia.pk, org.walt.pk, org.tom.pk}
    assert subordinate_ids(org.walt) == {org.tom.pk}
    assert subordinate_ids(org.sam) == set()


def test_seller_reads_own_and_team_records_and_changes_only_own(org, one_each):
    assert owners(scope_readable(one_each, org.sam)) == {"sam", "sofia", "maria"}
    assert owners(scope_changeable(one_each, org.sam)) == {"sam"}


def test_manager_reads_and_changes_reports_transitively_and_own_team(org, one_each):
    expected = {"maria", "sam", "sofia", "walt", "tom"}
    assert owners(scope_readable(one_each, org.maria)) == expected
    assert owners(scope_changeable(one_each, org.maria)) == expected
    assert owners(scope_readable(one_each, org.walt)) == {"walt", "tom"}


def test_seller_of_another_team_sees_nothing_of_east(org, one_each):
    assert owners(scope_readable(one_each, org.olga)) == {"olga"}


def test_admin_reads_and_changes_everything(org, one_each):
    assert readable_owner_ids(org.admin) is None
    assert scope_readable(one_each, org.admin).count() == 7
    assert scope_changeable(one_each, org.admin).count() == 7


def test_public_records_are_read_by_all_and_changed_by_owner_and_managers(org):
    toms = AccountFactory(owner=org.tom)
    assert scope_readable(Account.objects.all(), org.olga, visibility=PUBLIC).count() == 1
    assert not can_change(org.olga, toms, visibility=PUBLIC)
    assert not can_change(org.sam, toms, visibility=PUBLIC)
    assert can_change(org.tom, toms, visibility=PUBLIC)
    assert can_change(org.walt, toms, visibility=PUBLIC)
    assert can_change(org.maria, toms, visibility=PUBLIC)
    assert can_change(org.admin, toms, visibility=PUBLIC)
    # a manager's team mate who is not below them is not theirs to change for public records
    assert changeable_owner_ids(org.walt, PUBLIC) == {org.walt.pk, org.tom.pk}


def test_owned_change_rule_for_manager_includes_team(org):
    assert changeable_owner_ids(org.maria, OWNED) >= {org.sam.pk, org.sofia.pk, org.tom.pk}
