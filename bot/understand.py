"""Question understanding: a normalised question → an intent with its slots.

Order matters and is deliberate: attempts to subvert the bot are refused first; enterprise profiles
("我们是…") go to task matching even when they mention an indicator; a question that names an
indicator (or follows up on one) goes to the engine; enumerations go to the plan's structure;
everything else is a passage question, which the retriever answers or the coverage check refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.resolver import Resolution
from bot.scope import Scope

ListKind = Literal["tasks", "subtasks", "safeguards", "indicators", "parts", "annexes", "timeline", "basis_documents"]

_INJECTION = re.compile(
    r"忽略.{0,12}(指令|指示|提示|规则|设定|要求)|无视.{0,8}(指令|规则|设定)|(系统|初始|隐藏)?提示词|system\s*prompt|"
    r"ignore\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier)?\s*(instructions|rules|prompts?)|"
    r"(打印|输出|告诉我|显示|泄露|reveal|print|show)\s*.{0,10}(配置|密钥|api\s*key|环境变量|secret|password|config)|"
    r"developer\s+mode|越狱|jailbreak|扮演.{0,10}(没有限制|不受限制)",
    re.IGNORECASE,
)
_GREETING = re.compile(r"^(你好|您好|hi|hello|嗨|在吗)[，,!！。\s]*", re.IGNORECASE)
_HELP = re.compile(
    r"^(这个|你这个|本)?(助手|机器人|系统|小助手|bot)?"
    r"((帮助|help|\?|？|你是谁|是谁|怎么用|如何使用|使用说明|有什么用|有哪些功能|有什么功能)|"
    r"(你|您)?(能|可以|会)(做|干|提供|回答|帮)\S{0,4}(什么|哪些|啥)\S{0,4})[？?。!！]*$",
    re.IGNORECASE,
)
_SELF = r"(我们|咱们|我司|本公司|我公司|我单位|本单位|我厂|本厂|我店|本店|本企业|本机构|我院|本院|我校|本校|我)"
# Strong: the asker unmistakably describes an organisation ("我们是…", "本公司…", "和我们有关").
_PROFILE_STRONG = re.compile(
    r"(我们|咱们)(是|是一家|是一个|是个)|我司|本公司|我公司|我单位|本单位|我厂|本厂|本企业|本机构|"
    r"我们(企业|公司|单位|厂|工厂|机构|医院|学校|合作社|园区|协会|银行|店|村|镇|街道|社区|县|区|市场)|"
    r"(和|与|跟|对)(我们|我司|本公司|我公司|我单位|本单位|我们企业|我们公司)\S{0,4}(有关|相关|关系|影响|帮助|机会)|"
    r"(作为|身为)(一家|一个)|"
    r"\b(we are|we're|our company|our firm|our factory|i run|we run|my company|we build|we make|we produce|"
    r"we operate|we provide|we sell|we manufacture)\b",
    re.IGNORECASE,
)
# Weak: "我们…做/经营/生产…", unless the asker only wants to know something ("我想知道…").
_PROFILE_WEAK = re.compile(
    _SELF
    + r"[\u4e00-\u9fff]{0,6}?"
    + r"(做|从事|经营|主营|生产|制造|开了|开|负责|打算|计划|准备|专注|提供|在|搞|想搞|想做|想建|想上)"
)
# Any other description of an organisation asking what concerns it ("做冷链运输的公司能参与哪项任务",
# "一家民宿想…，规划有什么支持", "农业合作社可以得到哪些帮助").
_ORG = (
    r"(公司|企业|单位|机构|工厂|厂家|厂|商户|商家|店|门店|民宿|合作社|农户|农场|村|社区|街道|园区|医院|学校|协会|平台|"
    r"团队|中心|银行|旅行社|服务商|供应商|创业者|个体户|老板|博士|人才)"
)
_PROFILE_ORG = re.compile(
    r"([一1](家|个|所|位|名)|某家|某个|某位)\S{0,12}?" + _ORG + r"|"
    r"(做|从事|经营|搞|开)\S{1,12}的" + _ORG + r"|"
    + _ORG + r"\S{0,8}(能|可以|可|想|要|打算|准备)\S{0,4}(参与|申报|争取|得到|获得|享受|对接|加入)|"
    + _ORG + r"\S{0,16}(有什么|有哪些|有啥|能有|能得到|可以得到)\S{0,4}(支持|帮助|扶持|政策|机会)"
)
_CONCERN = re.compile(r"支持|帮助|扶持|政策|机会|参与|申报|有关|相关|关系|任务|工程|适合|对接|影响|能做|可以做|方向")
# "…想建智慧课堂，对应规划哪项任务": an actor who wants something, asking which task it falls under.
_WHICH_TASK = re.compile(
    r"(对应|相关|有关|对接|参与|涉及|属于)\S{0,8}(哪项|哪些|哪个|哪一项|什么)(任务|工程|举措)|"
    r"(哪项|哪些|哪个|哪一项)(任务|工程|举措)\S{0,6}(相关|有关|对应)|相关(的)?任务吗|方面的任务"
)
_ABOUT_US = re.compile(r"(我们|咱们)(是|是一家|是个)|(和|与|跟|对)(我们|我司|本公司|我单位|本单位)")
_WANTS = re.compile(r"想|打算|准备|计划|希望|要做|在做|做")
_NOT_PROFILE = re.compile(r"(想|要|希望)(知道|了解|问|咨询|查|看)|请问|想问|告诉我")
_LIST_ASK = re.compile(
    r"哪些|哪几|哪[\d一二三四五六七八九十]+[个项大类方面条]|几[个项大类方面部分条]|多少[项个类条]|包括|包含|列出|列举|"
    r"有什么|是什么|分别|清单|目录|内容|组成|"
    r"what are|list"
)
_TASK_WORDS = re.compile(r"(主要|重点|重大|八大|8大|几大)?任务|工程")
_SUBTASK_WORDS = re.compile(r"子任务|具体任务|分项任务|细分任务|subtask", re.IGNORECASE)
_SAFEGUARD = re.compile(r"保障措施|保障机制|保障|safeguard", re.IGNORECASE)
_INDICATOR_LIST = re.compile(
    r"(哪些|几项|多少项|多少个|列出|列举|所有|全部|主要|发展)\S{0,4}指标|指标\S{0,4}(有哪些|有几|清单|列表|一览)"
)
# "保障措施？", "规划的保障措施": the section's name alone asks for its items.
_BARE_SAFEGUARDS = re.compile(r"^\W*(的)?(保障措施|保障机制)\W*$")
_ANNEX = re.compile(r"附件|附表|annex", re.IGNORECASE)
_PARTS = re.compile(r"(几|哪几|哪些|多少)(个)?(部分|板块|章节|篇章)|结构|框架|组成部分")
_TIMELINE = re.compile(
    r"(起草|编制|制定)(过程|经过|历程|进程|流程)|时间线|时间表|时间节点|关键节点|经历了哪些|过程"
)
_BASIS_DOCS = re.compile(r"(依据|根据|参照|参考)(了)?(哪些|什么|哪几)?(文件|政策|规划|文献)|起草依据|编制依据")


@dataclass(frozen=True)
class Understanding:
    """What the bot will do with a question."""

    intent: str
    question: str
    resolution: Resolution | None = None
    list_kind: ListKind | None = None
    list_task: str | None = None  # a main task named in a list question
    profile: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    plan_id: str | None = None
    scope: Scope | None = None
    passage_question: str | None = None  # the question before the plan's name was cut out (for retrieval)
    read_as: str | None = None  # a misspelt indicator name, read as this row ("按“5G基站数量”理解")
    parts: tuple[Understanding, ...] = ()  # a multi-part question: each part answered, one reply


def is_injection(question: str) -> bool:
    return bool(_INJECTION.search(question))


def is_help(question: str) -> bool:
    """A greeting and/or a question about the assistant itself ("你好，你能提供哪些帮助？")."""
    rest = _GREETING.sub("", question.strip())
    return not rest or bool(_HELP.match(rest))


def is_profile(question: str) -> bool:
    """An enterprise or institution describing itself ("我们是做跨境电商的…")."""
    if _NOT_PROFILE.search(question) and not _ABOUT_US.search(question):
        return False  # "我们单位想问丽水规划有几条保障措施": the asker only wants to know something
    if _PROFILE_STRONG.search(question) or (_PROFILE_ORG.search(question) and _CONCERN.search(question)):
        return True
    if _WHICH_TASK.search(question) and (_WANTS.search(question) or re.search(_ORG, question)):
        return True
    return bool(_PROFILE_WEAK.search(question)) and not _NOT_PROFILE.search(question)


_TASK_TAIL = re.compile(r"^(的)?(工程|任务|子任务|方面|领域)")
MIN_TASK_PREFIX = 4


def _task_by_prefix(question: str, task_names: list[str]) -> str | None:
    """A task named by the start of its name: "数字基建工程", "服务业数字化的子任务".

    Six characters or more name a task alone; four or five only before 工程/任务/方面 (数字经济核心产业
    is no mention of 数字经济产业能级提升工程). Two tasks named as well as each other: neither.
    """
    best: list[tuple[int, str]] = []
    for name in task_names:
        for length in range(len(name) - 1, MIN_TASK_PREFIX - 1, -1):
            at = question.find(name[:length])
            if at >= 0 and (length >= 6 or _TASK_TAIL.match(question[at + length :])):
                best.append((length, name))
                break
    best.sort(reverse=True)
    if not best or (len(best) > 1 and best[1][0] == best[0][0]):
        return None
    return best[0][1]


def detect_list(
    question: str, task_names: list[str], task_aliases: dict[str, list[str]]
) -> tuple[ListKind, str | None] | None:
    """Return (kind, task) for enumeration questions, else None.

    `task_aliases` maps a main task name to the short names users say (数字基建, 治理数字化 …).
    """
    named_task = None
    for name in task_names:
        if name in question or any(alias in question for alias in task_aliases.get(name, [])):
            named_task = name
            break
    if named_task is None and "指标" not in question:
        named_task = _task_by_prefix(question, task_names)
    asks_list = bool(_LIST_ASK.search(question))
    if _SUBTASK_WORDS.search(question) or (named_task and asks_list):
        return "subtasks", named_task
    if _INDICATOR_LIST.search(question):
        return "indicators", None
    if _SAFEGUARD.search(question) and (asks_list or _BARE_SAFEGUARDS.match(question)):
        return "safeguards", None
    if _TASK_WORDS.search(question) and asks_list and "指标" not in question:
        return "tasks", None
    if _ANNEX.search(question) and asks_list and "指标" not in question:
        return "annexes", None
    if _PARTS.search(question):
        return "parts", None
    if _BASIS_DOCS.search(question):
        return "basis_documents", None
    if _TIMELINE.search(question):
        return "timeline", None
    return None
