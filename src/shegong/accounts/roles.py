"""Roles and what they allow. A role is granted at a place (a division subtree or a station);
a permission holds only inside the places of the assignments whose role grants it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.perms import (
    ACCOUNT_SELF,
    ACTIVITY_MANAGE,
    ACTIVITY_VIEW,
    ALERT_HANDLE,
    ALERT_RAISE,
    API_TOKENS,
    ASSESSMENT_RECORD,
    ASSESSMENT_VIEW,
    AUDIT_VIEW,
    CASE_NOTES,
    CASE_SUPERVISE,
    CASE_VIEW,
    CASE_WORK,
    FIELDWORK_OVERSIGHT,
    FUND_MANAGE,
    FUND_RECORD,
    FUND_VIEW,
    ORG_MANAGE,
    PERSON_EDIT,
    PERSON_EXPORT,
    PERSON_HANDOVER,
    PERSON_IMPORT,
    PERSON_REVEAL,
    PERSON_SENSITIVE,
    PERSON_VIEW,
    REFERRAL_MANAGE,
    REQUEST_MANAGE,
    REQUEST_OVERSEE,
    REQUEST_VIEW,
    RESOURCE_MANAGE,
    RESOURCE_VIEW,
    STAFF_MANAGE,
    STAFF_VIEW,
    STATION_EDIT,
    STATION_MANAGE,
    VIEW,
    VISIT_RECORD,
    VISIT_VIEW,
    VOLUNTEER_MANAGE,
    VOLUNTEER_SELF,
    VOLUNTEER_VIEW,
)


class Role(models.TextChoices):
    WORKER = "worker", _("resident social worker")
    STATION_HEAD = "station_head", _("station head")
    SUPERVISOR = "supervisor", _("supervisor")
    DISTRICT_ADMIN = "district_admin", _("district administrator")
    CITY_ADMIN = "city_admin", _("city administrator")
    AUDITOR = "auditor", _("read-only auditor")
    VOLUNTEER = "volunteer", _("volunteer")


_PERSON_WORK = {PERSON_VIEW, PERSON_EDIT, PERSON_REVEAL, PERSON_IMPORT, PERSON_SENSITIVE}
_CASE_WORK = {
    CASE_VIEW,
    CASE_WORK,
    REFERRAL_MANAGE,
    ALERT_RAISE,
    ASSESSMENT_VIEW,
    ASSESSMENT_RECORD,
}
# Volunteers and residents' requests (community work), for those who do it at a station.
_COMMUNITY_WORK = {
    VOLUNTEER_VIEW,
    VOLUNTEER_MANAGE,
    REQUEST_VIEW,
    REQUEST_MANAGE,
    ACTIVITY_VIEW,
    ACTIVITY_MANAGE,
}
# Offices see volunteers and requests and the overdue requests; they do not work on them.
_COMMUNITY_OVERSIGHT = {VOLUNTEER_VIEW, REQUEST_VIEW, REQUEST_OVERSEE, ACTIVITY_VIEW}
# Donated resources and funds: stations keep them; workers record income but only the station
# head spends a fund's money (FUND_MANAGE); offices, auditors and supervisors look.
_RESOURCE_WORK = {RESOURCE_VIEW, RESOURCE_MANAGE, FUND_VIEW, FUND_RECORD}
_RESOURCE_OVERSIGHT = {RESOURCE_VIEW, FUND_VIEW}
_ADMIN = {
    VIEW,
    STAFF_VIEW,
    STAFF_MANAGE,
    STATION_EDIT,
    STATION_MANAGE,
    ORG_MANAGE,
    AUDIT_VIEW,
    API_TOKENS,
    PERSON_VIEW,
    PERSON_EXPORT,
    PERSON_HANDOVER,
}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.WORKER: frozenset(
        {
            VIEW,
            API_TOKENS,
            *_PERSON_WORK,
            VISIT_VIEW,
            VISIT_RECORD,
            *_CASE_WORK,
            *_COMMUNITY_WORK,
            *_RESOURCE_WORK,
        }
    ),
    # Supervisors read case files (notes included) and sign off closures; they do not run cases.
    Role.SUPERVISOR: frozenset(
        {
            VIEW,
            STAFF_VIEW,
            API_TOKENS,
            PERSON_VIEW,
            PERSON_SENSITIVE,
            VISIT_VIEW,
            CASE_VIEW,
            CASE_NOTES,
            CASE_SUPERVISE,
            ASSESSMENT_VIEW,
            VOLUNTEER_VIEW,
            REQUEST_VIEW,
            ACTIVITY_VIEW,
            RESOURCE_VIEW,
        }
    ),
    Role.STATION_HEAD: frozenset(
        {
            VIEW,
            STAFF_VIEW,
            STAFF_MANAGE,
            STATION_EDIT,
            API_TOKENS,
            *_PERSON_WORK,
            PERSON_EXPORT,
            PERSON_HANDOVER,
            VISIT_VIEW,
            VISIT_RECORD,
            FIELDWORK_OVERSIGHT,
            *_CASE_WORK,
            CASE_NOTES,
            ALERT_HANDLE,
            *_COMMUNITY_WORK,
            REQUEST_OVERSEE,
            *_RESOURCE_WORK,
            FUND_MANAGE,
        }
    ),
    # District offices see and export masked lists and hand people over between townships;
    # they do not edit case files or reveal ID numbers (the station does).
    # They see that cases exist (not their notes), handle risk alerts and district referrals.
    # Offices and auditors see that assessments exist, not their content: that is health data
    # (PIPL art. 28), shown only with PERSON_SENSITIVE (those who serve the person).
    Role.DISTRICT_ADMIN: frozenset(
        {
            *_ADMIN,
            VISIT_VIEW,
            FIELDWORK_OVERSIGHT,
            CASE_VIEW,
            ALERT_HANDLE,
            REFERRAL_MANAGE,
            ASSESSMENT_VIEW,
            *_COMMUNITY_OVERSIGHT,
            *_RESOURCE_OVERSIGHT,
        }
    ),
    Role.CITY_ADMIN: frozenset(
        {
            *_ADMIN,
            VISIT_VIEW,
            FIELDWORK_OVERSIGHT,
            CASE_VIEW,
            ASSESSMENT_VIEW,
            *_COMMUNITY_OVERSIGHT,
            *_RESOURCE_OVERSIGHT,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            VIEW,
            STAFF_VIEW,
            AUDIT_VIEW,
            API_TOKENS,
            PERSON_VIEW,
            VISIT_VIEW,
            CASE_VIEW,
            ASSESSMENT_VIEW,
            VOLUNTEER_VIEW,
            REQUEST_VIEW,
            ACTIVITY_VIEW,
            *_RESOURCE_OVERSIGHT,
        }
    ),
    # A volunteer's login sees their own record, hours, activities and pairings, nothing else:
    # no person lists, no other volunteers, not even the start page (community.volunteer_views).
    Role.VOLUNTEER: frozenset({VOLUNTEER_SELF}),
}

# Everyone who can log in has a start page and may change their own password.
PERMISSIONS = {role: perms | {ACCOUNT_SELF} for role, perms in PERMISSIONS.items()}

# Granting: nobody grants a role above their own rank; equal rank only inside their own place.
RANK: dict[str, int] = {
    Role.WORKER: 1,
    Role.SUPERVISOR: 2,
    Role.AUDITOR: 2,
    Role.STATION_HEAD: 2,
    Role.DISTRICT_ADMIN: 3,
    Role.CITY_ADMIN: 4,
    Role.VOLUNTEER: 1,
}

# Station roles are held at a station (their place is its service area); the others at a division.
STATION_ROLES = frozenset({Role.WORKER, Role.STATION_HEAD, Role.VOLUNTEER})
# The division level at which a region role is normally held (informative, used by forms).
REGION_ROLE_LEVELS: dict[str, tuple[int, ...]] = {
    Role.SUPERVISOR: (3, 4),
    Role.DISTRICT_ADMIN: (3,),
    Role.CITY_ADMIN: (1, 2),
    Role.AUDITOR: (1, 2, 3),
}


def grants(role: str, perm: str | None) -> bool:
    return perm is None or perm in PERMISSIONS.get(role, frozenset())
