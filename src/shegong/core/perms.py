"""Permission names. Roles (accounts.roles) grant them; every view and API route declares one."""

VIEW = "view"  # see the places, stations and staff in scope
STATION_MANAGE = "station.manage"  # register stations, change what they serve
STATION_EDIT = "station.edit"  # edit one's own station's details
STAFF_VIEW = "staff.view"
STAFF_MANAGE = "staff.manage"
ORG_MANAGE = "org.manage"
AUDIT_VIEW = "audit.view"
API_TOKENS = "api.tokens"
PERSON_VIEW = "person.view"  # see persons in scope (ID numbers and phones masked)
PERSON_EDIT = "person.edit"  # register and change persons, categories, risk, consent
PERSON_REVEAL = "person.reveal"  # see a full ID number or phone (audited)
PERSON_IMPORT = "person.import"  # import ledgers
PERSON_EXPORT = "person.export"  # export lists to Excel
PERSON_HANDOVER = "person.handover"  # move a person to another township
PERSON_SENSITIVE = "person.sensitive"  # see health and children's categories (PIPL art. 28)
VISIT_VIEW = "visit.view"  # see visits and worklists in scope
VISIT_RECORD = "visit.record"  # record visits (入户探访, 电话回访 …)
FIELDWORK_OVERSIGHT = "fieldwork.oversee"  # see everyone nobody has contacted in time
CASE_VIEW = "case.view"  # see that a case exists, its stage and worker (not its notes)
CASE_NOTES = "case.notes"  # read confidential case notes (station head, supervisor)
CASE_WORK = "case.work"  # open and run cases
CASE_SUPERVISE = "case.supervise"  # review cases and sign off closures
REFERRAL_MANAGE = "referral.manage"  # make, answer and close referrals
ALERT_RAISE = "alert.raise"  # raise a risk alert and record actions on it
ALERT_HANDLE = "alert.handle"  # see open alerts on the dashboard and resolve them
