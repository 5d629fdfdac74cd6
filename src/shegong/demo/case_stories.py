"""The stories of the demo's cases (used by demo.casework): who fits each one, how far the
case goes, and what the worker wrote. Invented, but as a township station would write them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shegong.fieldwork.case_models import CaseStage
from shegong.people.models import LivingSituation, Person


@dataclass(frozen=True)
class Who:
    person: Person
    age: int
    codes: frozenset[str]

    @property
    def alone(self) -> bool:
        return self.person.living_situation == LivingSituation.ALONE


@dataclass(frozen=True)
class Scenario:
    tag: str
    at: str  # "guoyuan" (demo_worker) or "jixianli" (demo_worker2)
    want: Callable[[Who], int]  # how well a person fits (the best unused one is taken)
    stage: str  # how far the case goes: a CaseStage, "closing" or "reopened"
    opened: int  # days ago
    source: str
    problem: str
    notes: str
    summary: str = ""
    goals: tuple[tuple[str, str], ...] = ()
    services: tuple[str, ...] = ()
    referrer: str = ""


def fits_elderly(w: Who) -> int:
    return (w.age >= 60) + (w.age >= 75) + w.alone


def fits_youth(w: Who) -> int:
    return (w.age < 18) * 2 + (13 <= w.age < 18) * 2 + bool(w.codes & {"child_in_difficulty"})


def fits_man_alone(w: Who) -> int:
    return (w.age >= 60) * 2 + w.alone * 2 + (w.person.gender == "M")


def fits_codes(*codes: str, adult: bool = False) -> Callable[[Who], int]:
    return lambda w: 2 * len(w.codes & set(codes)) + (adult and 18 <= w.age < 60) * 3


SCENARIOS = (
    Scenario(
        "neglect",
        "guoyuan",
        fits_man_alone,
        CaseStage.INTAKE,
        0,
        "outreach",
        "独居老人，子女长期不探望，生活照料明显不足。",
        "邻居反映老人近两周未出门买菜；老人称儿子半年未联系。需核实是否存在遗弃。",
    ),
    Scenario(
        "intake",
        "jixianli",
        fits_codes("dibao", "disabled"),
        CaseStage.INTAKE,
        2,
        "referral",
        "低保家庭，户主失业后情绪低落，子女就学费用困难。",
        "社区居委会转介；户主不愿多谈，约定下周再次入户。",
        referrer="集贤里街道泰来西里社区居委会",
    ),
    Scenario(
        "youth",
        "guoyuan",
        fits_youth,
        CaseStage.ASSESSMENT,
        0,
        "referral",
        "昨晚服药过量自杀未遂，经医院抢救脱离危险；父亲酗酒，无力照护。",
        "案主称在校长期被同学孤立，与父亲关系紧张；母亲多年前离家。须每日电话跟进，"
        "任何人不得向学校透露就医细节。",
        referrer="北辰医院急诊科",
    ),
    Scenario(
        "plan",
        "jixianli",
        fits_elderly,
        CaseStage.PLAN,
        20,
        "self",
        "老人中风后右侧肢体无力，日常起居需要照料，老伴年迈照护吃力。",
        "女儿在外地，每月回来一次；老人担心成为负担，多次说“拖累家里”。",
        summary="案主失能程度较高，家庭照护资源不足；可链接居家养老服务与康复资源。",
    ),
    Scenario(
        "mental",
        "guoyuan",
        fits_codes("dibao", "disabled", adult=True),
        CaseStage.INTERVENTION,
        60,
        "outreach",
        "低保对象，离婚后长期失眠、情绪低落，与外界接触很少。",
        "案主提到曾有轻生念头但无具体计划；已评估为中度风险，转介精神卫生中心评估。",
        summary="案主抑郁情绪明显，社会支持薄弱；有求助意愿，需专业诊疗配合社工陪伴。",
        goals=(
            ("规律就诊服药", "每两周门诊一次，连续三个月"),
            ("重建社会联系", "每周参加一次社区活动"),
        ),
        services=(
            "入户面谈，了解睡眠和饮食情况，讨论就医顾虑。",
            "陪同到北辰区精神卫生中心初诊。",
            "电话跟进服药情况，案主自述睡眠有改善。",
            "陪同参加社区手工小组，案主与组员有简短交流。",
        ),
    ),
    Scenario(
        "legal",
        "guoyuan",
        fits_elderly,
        CaseStage.INTERVENTION,
        45,
        "self",
        "老人与两个儿子因赡养费发生纠纷，儿子拒付赡养费已半年。",
        "老人不愿起诉亲生儿子，希望先调解；大儿子态度强硬。",
        summary="案主经济来源仅有少量养老金，赡养纠纷影响生活与情绪；需法律援助与家庭调解。",
        goals=(
            ("落实赡养费", "三个月内达成书面赡养协议"),
            ("缓和家庭关系", "子女每月至少探望一次"),
        ),
        services=(
            "入户了解纠纷经过，整理相关材料。",
            "联系社区人民调解员，约定调解时间。",
            "组织第一次家庭会议，小儿子同意分担部分费用。",
        ),
    ),
    Scenario(
        "rehab",
        "jixianli",
        fits_codes("disabled", adult=True),
        CaseStage.INTERVENTION,
        50,
        "self",
        "肢体残疾，希望找到适合的居家工作，增加收入。",
        "案主自尊心强，不愿被称为“困难户”。",
        summary="案主有劳动意愿和一定技能，需要就业信息和辅具支持。",
        goals=(("获得就业机会", "两个月内参加两次残疾人专场招聘"),),
        services=(
            "入户面谈，梳理技能与就业意向。",
            "陪同到区残联咨询辅具适配。",
            "推荐参加线上电商培训。",
        ),
    ),
    Scenario(
        "evaluation",
        "guoyuan",
        fits_codes("tekun", "elderly_alone"),
        CaseStage.EVALUATION,
        120,
        "outreach",
        "分散供养特困老人，居住环境差，冬季取暖困难。",
        "老人听力差，沟通需写字；对社工信任度逐步提高。",
        summary="案主基本生活有保障但居住环境存在安全隐患，社会交往少。",
        goals=(("改善居住安全", "完成燃气与电路改造"), ("增加社会交往", "每月参加两次助老活动")),
        services=(
            "入户评估居住环境，拍照记录隐患。",
            "链接街道为老人更换燃气软管和插座。",
            "协助申请冬季取暖补贴。",
            "陪同参加社区老年活动中心的重阳节活动。",
            "电话回访，老人表示暖气正常。",
            "入户回访，整理评估材料。",
        ),
    ),
    Scenario(
        "closing",
        "guoyuan",
        fits_codes("child_in_difficulty", "left_behind_child"),
        "closing",
        150,
        "referral",
        "困境儿童，父母在外务工，由祖母照顾，学习跟不上。",
        "孩子内向，喜欢画画；祖母身体不好，辅导作业力不从心。",
        summary="案主学业困难与监护照料不足并存，学校与社区资源可以弥补。",
        goals=(("提高学习成绩", "期末数学及格"), ("稳定课后照料", "每周三次参加课后托管")),
        services=(
            "入户了解家庭与学习情况。",
            "联系学校班主任，制订学习帮扶计划。",
            "链接大学生志愿者每周两次辅导作业。",
            "组织亲子视频通话，父母承诺每周联系。",
            "参加社区“四点半课堂”，表现积极。",
            "期末回访，数学成绩72分。",
        ),
        referrer="北辰区果园新村小学",
    ),
    Scenario(
        "closed",
        "jixianli",
        fits_elderly,
        CaseStage.CLOSED,
        170,
        "self",
        "独居老人跌倒后行动不便，家中无扶手，洗澡困难。",
        "老人性格要强，起初拒绝上门服务。",
        summary="案主居家安全风险高，需要适老化改造和助浴服务。",
        goals=(("完成适老化改造", "卫生间安装扶手和防滑垫"), ("获得助浴服务", "每月两次上门助浴")),
        services=(
            "入户评估居家环境。",
            "申请适老化改造补贴。",
            "施工完成后验收。",
            "链接助浴服务。",
        ),
    ),
    Scenario(
        "reopened",
        "guoyuan",
        fits_elderly,
        "reopened",
        180,
        "outreach",
        "高龄独居老人，记忆力下降，多次忘关燃气。",
        "老人女儿同意安装燃气报警器；老人有早期认知障碍迹象。",
        summary="案主安全风险主要来自认知下降，需技术防护与定期探访。",
        goals=(("消除燃气隐患", "安装燃气报警器与自动切断阀"),),
        services=("入户评估安全隐患。", "安装燃气报警器。", "回访确认设备正常。"),
    ),
    Scenario(
        "referred_out",
        "guoyuan",
        fits_codes("disabled"),
        CaseStage.REFERRED_OUT,
        10,
        "self",
        "听力残疾，需要助听器适配和康复训练。",
        "案主主要需求为专业康复，本站无相应资源。",
        summary="需求属于专业康复服务，转介区残疾人联合会康复中心。",
    ),
)

NEEDS = {
    "material": "收入仅够基本生活，需申请临时救助。",
    "care": "日常起居需要他人协助。",
    "health": "慢性病需规律复诊。",
    "psychological": "情绪低落，需心理支持。",
    "education": "子女课业需要辅导。",
    "social_support": "亲友联系少，社会支持薄弱。",
    "safety": "居家存在安全隐患。",
    "body": "需定期体检。",
    "study": "学习跟不上，需要辅导。",
    "living": "居住环境需改善。",
    "guardianship": "监护人照护能力不足。",
    "schooling": "存在缺课情况。",
}
