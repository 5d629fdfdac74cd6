"""Activities, groups and sessions in Beijing, outside every persona's jurisdiction, for the 404
walk (tests/route_params/community.py) and the tests here. Made through the services by the
Beijing worker, once per test transaction."""

from __future__ import annotations

import datetime as dt

from shegong.community import activity_services, group_services, group_session_services
from shegong.community.models import Activity, Group, GroupSession
from shegong.core.models import Attachment
from tests.conftest import Outside

TITLE = "京外社区活动"
GROUP = "京外互助小组"
DAY = dt.date(2025, 1, 10)


def outside_activity(o: Outside) -> Activity:
    activity = Activity.objects.filter(station=o.station, title=TITLE).first()
    if activity is None:
        activity = activity_services.create_activity(
            actor=o.user,
            station=o.station,
            title=TITLE,
            domain="elderly_care",
            kind="free_clinic",
            held_on=DAY,
            place="东华门社区",
            others_count=2,
        )
        activity_services.check_in(actor=o.user, activity=activity, person=o.person)
    return activity


def outside_photo(o: Outside) -> Attachment:
    activity = outside_activity(o)
    photo, _created = Attachment.objects.get_or_create(
        owner_type="community.activity",
        owner_id=activity.pk,
        defaults={
            "region_code": activity.region_code,
            "kind": "photo",
            "original_name": "京外活动.jpg",
            "content_type": "image/jpeg",
            "size": 1,
            "sha256": "0" * 64,
            "file": "00/outside-activity.jpg",
            "thumbnail": "00/outside-activity_t.jpg",
        },
    )
    return photo


def outside_group(o: Outside) -> Group:
    group = Group.objects.filter(station=o.station, name=GROUP).first()
    if group is None:
        group = group_services.create_group(
            actor=o.user,
            station=o.station,
            name=GROUP,
            domain="elderly_care",
            aims="互助",
            planned_sessions=6,
            communities=[o.region],
        )
        group_services.change_phase(actor=o.user, group=group, to="formation", on=DAY)
        group_services.add_member(actor=o.user, group=group, person=o.person, joined_on=DAY)
        group_session_services.record_session(
            actor=o.user, group=group, held_on=DAY, topic="相识", present=[o.person]
        )
    return group


def outside_session(o: Outside) -> GroupSession:
    return GroupSession.objects.get(group=outside_group(o), number=1)
