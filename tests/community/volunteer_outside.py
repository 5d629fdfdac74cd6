"""A volunteer (with hours and a pairing) and a resident's request in Beijing, outside every
persona's jurisdiction, for the 404 walk (tests/route_params/community.py) and the tests here.
Made through the services by the Beijing worker, once per test transaction."""

from __future__ import annotations

import datetime as dt

from shegong.community import (
    hours_services,
    pairing_services,
    request_services,
    volunteer_services,
)
from shegong.community.models import Pairing, ResidentRequest, Volunteer, VolunteerHours
from tests.conftest import Outside

NAME = "京外志愿者"
DAY = dt.date(2025, 1, 10)


def outside_volunteer(o: Outside) -> Volunteer:
    volunteer = Volunteer.objects.filter(station=o.station, name=NAME).first()
    if volunteer is None:
        volunteer = volunteer_services.register_volunteer(
            actor=o.user, name=NAME, station=o.station, phone="13900002222"
        )
    return volunteer


def outside_hours(o: Outside) -> VolunteerHours:
    volunteer = outside_volunteer(o)
    entry = VolunteerHours.objects.filter(volunteer=volunteer).first()
    if entry is None:
        entry = hours_services.log_hours(actor=o.user, volunteer=volunteer, hours=3, served_on=DAY)
    return entry


def outside_pairing(o: Outside) -> Pairing:
    volunteer = outside_volunteer(o)
    pairing = Pairing.objects.filter(volunteer=volunteer).first()
    if pairing is None:
        pairing = pairing_services.pair(
            actor=o.user, volunteer=volunteer, person=o.person, kind="peer", started_on=DAY
        )
    return pairing


def outside_request(o: Outside) -> ResidentRequest:
    request = ResidentRequest.objects.filter(station=o.station).first()
    if request is None:
        request = request_services.submit_request(
            actor=o.user,
            station=o.station,
            channel="walk_in",
            resident_name="京外居民",
            contact="13900003333",
            title="京外诉求",
            urgency="high",
            importance="high",
            assigned_to=o.user,
        )
    return request
