"""Permission names. Roles (accounts.roles) grant them; every view and API route declares one."""

VIEW = "view"  # see the places, stations and staff in scope
STATION_MANAGE = "station.manage"  # register stations, change what they serve
STATION_EDIT = "station.edit"  # edit one's own station's details
STAFF_VIEW = "staff.view"
STAFF_MANAGE = "staff.manage"
ORG_MANAGE = "org.manage"
AUDIT_VIEW = "audit.view"
API_TOKENS = "api.tokens"
