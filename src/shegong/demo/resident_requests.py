"""Demo residents' requests (居民诉求, "大事小情"): a dozen at the two demo stations in every
status — new (one from the public service map), assigned, in progress, resolved with the
resident's satisfaction, closed — two of them overdue. The seeds' examples are here: an old
woman living alone needs a lamp changed; residents need safe charging for their e-bikes (resolved
by the charging points the community fund paid for).

Workers take the requests in; at 果园新村 the station head triages (轻重缓急) and assigns most of
them. All through the request services.
"""

from __future__ import annotations

from dataclasses import dataclass

from shegong.accounts.models import User
from shegong.community import request_services
from shegong.community.models import RequestChannel, RequestTopic, ResidentRequest

from .residents import Test, Who, World

TIERS: dict[str, tuple[Test, ...]] = {
    "alone": (lambda x: x.alone, lambda x: x.old_old, lambda x: x.elderly),
    "child": (lambda x: x.child_in_need, lambda x: x.child),
    "elderly": (lambda x: x.elderly,),
    "needy": (lambda x: x.needy, lambda x: x.adult),
}


@dataclass(frozen=True)
class Story:
    at: str
    channel: str
    topic: str
    title: str
    description: str
    days_ago: int
    triage: tuple[str, str] | None = None  # (urgency, importance)
    head_triages: bool = False  # taken in untriaged, then triaged and assigned by the head
    assign: bool = False
    end: str = "assigned"  # assigned, in_progress, resolved, closed (or new)
    resolved_ago: int = 0
    resolution: str = ""
    satisfaction: int | None = None
    satisfaction_later: bool = False
    who: str = ""  # a registered person of this kind, when one fits
    address: str = ""


T = RequestTopic
C = RequestChannel
STORIES = (
    Story("guoyuan", C.PHONE, T.HOME_HELP, "独居老人家中灯泡坏了需要更换",
          "卫生间灯泡坏了两天，老人自己够不着，担心夜里起夜摔倒。", 9, ("high", "medium"),
          head_triages=True, assign=True, end="resolved", resolved_ago=8,
          resolution="当天联系爱心扫把志愿者上门更换灯泡，顺带检查了室内灯具和插座。",
          satisfaction=5, who="alone"),
    Story("guoyuan", C.GRID_WORKER, T.SAFETY, "存车处不能给电动自行车充电，居民带电瓶上楼",
          "旭日里社区存车处只能存车不能充电，不少居民把电瓶带回家充电，楼道里有安全隐患。", 45,
          ("medium", "high"), head_triages=True, assign=True, end="resolved", resolved_ago=12,
          resolution="联系具备资质的单位，与街道办事处、居委会协商，在存车处安装了具备自动断电"
          "功能的充电设施，费用由社区基金支出。", satisfaction=4, satisfaction_later=True,
          address="旭日里社区存车处"),
    Story("guoyuan", C.WALK_IN, T.SAFETY, "楼道堆放杂物堵塞消防通道",
          "新华里社区6号楼2门楼道堆满纸箱和旧家具。", 0, end="new", address="新华里社区6号楼2门"),
    Story("guoyuan", C.OTHER, T.CHILDREN, "困境儿童需要司法救助",
          "居委会转来：孩子父亲车祸去世，肇事方无力赔偿，家庭生活困难。", 1, ("high", "high"),
          assign=True, who="child"),
    Story("guoyuan", C.GRID_WORKER, T.FACILITIES, "朝阳里社区5号楼前路灯不亮",
          "路灯坏了一周多，老人晚上出门不方便。", 12, ("medium", "medium"), head_triages=True,
          assign=True, address="朝阳里社区5号楼前"),
    Story("guoyuan", C.WALK_IN, T.DISPUTE, "楼上装修噪音影响休息，邻里发生争执",
          "楼上周末也在装修，老人心脏不好，两家已经吵过两次。", 20, ("low", "medium"),
          head_triages=True, assign=True, end="in_progress", who="elderly"),
    Story("guoyuan", C.PHONE, T.ASSISTANCE, "咨询因病致贫能否申请临时救助",
          "家人住院花费较多，想了解临时救助的条件。", 6, ("medium", "medium"), end="closed",
          resolution="属街道民政办受理事项：已告知申请材料，转交街道社会救助窗口。", who="needy"),
    Story("guoyuan", C.WALK_IN, T.ELDERLY, "想报名参加老年大学书法班",
          "退休后想学书法，不知道去哪里报名。", 4, ("low", "low"), assign=True, end="in_progress",
          who="elderly"),
    Story("guoyuan", C.PHONE, T.ENVIRONMENT, "雨后地下室渗水，杂物被泡",
          "连续降雨后地下室渗水，多户居民的杂物被泡。", 30, ("high", "medium"), head_triages=True,
          assign=True, end="resolved", resolved_ago=26,
          resolution="联系物业抽水并封堵渗水点，组织爱心扫把志愿者帮老人搬运杂物。",
          satisfaction=3, address="朝阳里社区2号楼地下室"),
    Story("jixianli", C.PHONE, T.ELDERLY, "独居老人需要代购降压药",
          "老人腿脚不便，降压药快吃完了，子女在外地。", 2, ("medium", "high"), assign=True,
          who="alone"),
    Story("jixianli", C.GRID_WORKER, T.FACILITIES, "小区健身器材损坏存在安全隐患",
          "广场上的漫步机踏板断裂，孩子在上面玩很危险。", 25, ("medium", "medium"), assign=True,
          end="resolved", resolved_ago=19, resolution="报街道城管科维修，维修期间拉警示带。",
          satisfaction=4),
    Story("jixianli", C.WALK_IN, T.ENVIRONMENT, "流浪猫夜间扰民",
          "楼下流浪猫夜里叫，居民意见大，也有人在喂。", 1, ("low", "low"), end="new"),
)  # fmt: skip


def build_requests(w: World) -> str:
    stations = {"guoyuan": w.guoyuan, "jixianli": w.jixianli}
    workers = {"guoyuan": w.users["demo_worker"], "jixianli": w.users["demo_worker2"]}
    head = w.users["demo_station_head"]
    used: set[int] = set()
    made: list[ResidentRequest] = []
    for story in STORIES:
        station, worker = stations[story.at], workers[story.at]
        who: Who | None = None
        if story.who:
            who = w.one(station, *TIERS[story.who], avoid=used)
        if who is not None:
            used.add(who.person.pk)
        triage_now = story.triage is not None and not story.head_triages
        urgency, importance = story.triage if triage_now and story.triage else ("", "")
        request = request_services.submit_request(
            actor=worker,
            station=station,
            channel=story.channel,
            resident_name=who.person.name if who and who.adult else w.name(honorific=True),
            contact=w.phone(),
            title=story.title,
            description=story.description,
            topic=story.topic,
            person=who.person if who else None,
            community=who.person.region if who else None,
            address=story.address,
            received_on=w.ago(story.days_ago),
            urgency=urgency,
            importance=importance,
            assigned_to=worker if triage_now and story.assign else None,
        )
        if story.head_triages and story.triage:
            request_services.triage_request(
                actor=head, request=request, urgency=story.triage[0], importance=story.triage[1]
            )
            if story.assign:
                request_services.assign_request(
                    actor=head, request=request, assignee=worker, note="请尽快上门了解情况"
                )
        _finish(w, worker, request, story)
        made.append(request)
    made.append(
        request_services.submit_public_request(
            station=w.jixianli,
            resident_name=w.name(honorific=True),
            contact=w.phone(),
            title="希望社区开设老年人智能手机课",
            description="想学用手机挂号、视频通话，社区能不能开个班？",
            topic=RequestTopic.ELDERLY,
        )
    )
    overdue = sum(1 for r in made if r.is_open and r.deadline < w.today)
    return f"{len(made)} residents' requests ({overdue} overdue)"


def _finish(w: World, worker: User, request: ResidentRequest, story: Story) -> None:
    if story.end in ("in_progress", "resolved"):
        request_services.start_request(actor=worker, request=request)
    if story.end == "resolved":
        request_services.resolve_request(
            actor=worker,
            request=request,
            resolution=story.resolution,
            resolved_on=w.ago(story.resolved_ago),
            satisfaction=None if story.satisfaction_later else story.satisfaction,
            satisfaction_note="社工来得很快，问题解决了。" if story.satisfaction == 5 else "",
        )
        if story.satisfaction_later:
            request_services.record_satisfaction(
                actor=worker,
                request=request,
                satisfaction=story.satisfaction,
                note="回访：充电方便了，也安全了。",
            )
    elif story.end == "closed":
        request_services.close_request(actor=worker, request=request, reason=story.resolution)
