"""What the entrance screen says for each decision, in zh_CN and en (cards and visitor passes).

A base text per message key ("access.granted", "access.denied.<reason>") uses only the
Decision.detail parameters that decide() always sets for that key. Optional sentences
(hints) are appended when their parameters are present, e.g. the next opening time.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from kiosk.domain.model import Decision, Reason

LANGUAGES = ("zh_CN", "en")

GRANTED = "access.granted"


def denied_key(reason: Reason) -> str:
    return f"access.denied.{reason.value}"


# A plain dict rather than gettext catalogues: the domain contract fixes MESSAGES as
# key -> language -> text so the engine stays IO-free and the texts are testable here; the
# UI may still export them to assets/translations if it grows more languages.
MESSAGES: dict[str, dict[str, str]] = {
    GRANTED: {
        "zh_CN": "欢迎光临！",
        "en": "Welcome!",
    },
    "access.denied.unknown_card": {
        "zh_CN": "无法识别此卡。请到前台确认您的会员卡。",
        "en": "This card is not recognised. Please ask at reception.",
    },
    "access.denied.blocked": {
        "zh_CN": "此卡暂不能使用。请到前台咨询。",
        "en": "This card cannot be used at the moment. Please ask at reception.",
    },
    "access.denied.frozen": {
        "zh_CN": "您的会员资格已冻结。如需恢复，请到前台办理解冻。",
        "en": "Your membership is frozen. To resume it, please see reception.",
    },
    "access.denied.not_yet_valid": {
        "zh_CN": "您的会员资格将于 {valid_from} 生效，届时欢迎光临。如有疑问请到前台咨询。",
        "en": "Your membership starts on {valid_from}. See you then, or ask at reception if this is wrong.",
    },
    "access.denied.expired": {
        "zh_CN": "您的会员资格已于 {valid_until} 到期。请到前台续费。",
        "en": "Your membership expired on {valid_until}. Please renew at reception.",
    },
    "access.denied.facility_not_included": {
        "zh_CN": "您的会员套餐不包含此场馆。如需开通，请到前台办理。",
        "en": "Your membership does not include this facility. Please see reception to add it.",
    },
    "access.denied.outside_hours": {
        "zh_CN": "现在不在开放时间内。",
        "en": "The facility is closed now.",
    },
    "access.denied.no_visits_left": {
        "zh_CN": "您的次卡已用完。请到前台充值。",
        "en": "You have no visits left on your pass. Please top up at reception.",
    },
    "access.denied.anti_passback": {
        "zh_CN": "此卡刚刚已刷卡入场，{retry_at} 后才能再次使用。如果闸机没有打开，请联系前台。",
        "en": "This card was just used to enter; it can be used again after {retry_at}. "
        "If the gate did not open, please ask at reception.",
    },
    "access.denied.already_inside": {
        "zh_CN": "记录显示您已在场内。如果您离开时没有刷卡，请到前台处理。",
        "en": "Our records show you are already inside. "
        "If you left without tapping out, please see reception.",
    },
    "access.denied.facility_full": {
        "zh_CN": "场馆已满（{capacity} 人）。请稍后再试。",
        "en": "The facility is full ({capacity} people). Please try again in a few minutes.",
    },
    "access.denied.stale_data": {
        "zh_CN": "本机会员数据已过期，为安全起见暂停刷卡入场。请到前台办理入场。",
        "en": "This kiosk's member list is out of date, so card entry is paused. "
        "Please see reception to get in.",
    },
    # Hints: appended to the base text when detail has their parameters.
    "access.hint.name": {
        "zh_CN": "{name}，您好。",
        "en": "Hello, {name}.",
    },
    "access.hint.visits_left": {
        "zh_CN": "剩余次数：{visits_left} 次。",
        "en": "Visits left: {visits_left}.",
    },
    "access.hint.frozen_until": {
        "zh_CN": "冻结期至 {frozen_until}。",
        "en": "It is frozen until {frozen_until}.",
    },
    "access.hint.next_open": {
        "zh_CN": "下次开放时间：{next_open_date} {next_open_time}。",
        "en": "It opens at {next_open_time} on {next_open_date}.",
    },
    "access.hint.data_as_of": {
        "zh_CN": "数据最后更新于 {data_as_of}。",
        "en": "Last updated {data_as_of}.",
    },
}

# What the screen says to a visitor at the turnstile (kiosk.domain.passes), kept apart from
# the card's texts so each table stays "one key per reason" of its own decision.
PASS_MESSAGES: dict[str, dict[str, str]] = {
    "pass.granted": {
        "zh_CN": "欢迎光临！请通过闸机。",
        "en": "Welcome! Please go through.",
    },
    "pass.goodbye": {
        "zh_CN": "再见！请通过闸机离开。",
        "en": "Goodbye! Please go through.",
    },
    "pass.denied.garbage": {
        "zh_CN": "无法识别此二维码。请出示访客通行证上的二维码。",
        "en": "This code cannot be read. Please scan the QR code on your visitor pass.",
    },
    "pass.denied.forged": {
        "zh_CN": "此通行证无法验证。请到前台咨询。",
        "en": "This pass cannot be verified. Please ask at reception.",
    },
    "pass.denied.wrong_kind": {
        "zh_CN": "这是访客邀请码，不能直接过闸。请在大堂自助机上扫码登记，领取通行证。",
        "en": "This is an invitation, not a pass. Please use the lobby kiosk to check in "
        "and get your pass.",
    },
    "pass.denied.not_yet_valid": {
        "zh_CN": "此通行证自 {valid_from} 起有效，请届时再来。",
        "en": "This pass is valid from {valid_from}. Please come back then.",
    },
    "pass.denied.expired": {
        "zh_CN": "此通行证已于 {valid_until} 过期。请到前台重新登记。",
        "en": "This pass expired at {valid_until}. Please register again at reception.",
    },
    "pass.denied.wrong_facility": {
        "zh_CN": "此通行证不能进入本场馆。请到前台咨询。",
        "en": "This pass is not valid for this facility. Please ask at reception.",
    },
    "pass.denied.used_up": {
        "zh_CN": "此通行证的 {entries} 次入场已用完。请到前台咨询。",
        "en": "All {entries} entries of this pass have been used. Please ask at reception.",
    },
    "pass.denied.revoked": {
        "zh_CN": "此通行证已被前台作废。请到前台咨询。",
        "en": "This pass was withdrawn by reception. Please ask at reception.",
    },
    "pass.denied.anti_passback": {
        "zh_CN": "此通行证刚刚已入场，{retry_at} 后才能再次使用。如果闸机没有打开，请联系前台。",
        "en": "This pass was just used to enter; it can be used again after {retry_at}. "
        "If the gate did not open, please ask at reception.",
    },
    "pass.denied.not_supported": {
        "zh_CN": "本机暂不支持此操作。请到前台咨询。",
        "en": "This kiosk cannot do that yet. Please ask at reception.",
    },
    "pass.hint.entries_left": {
        "zh_CN": "剩余入场次数：{entries_left} 次。",
        "en": "Entries left: {entries_left}.",
    },
}

# What the lobby kiosk says when an invitation QR is scanned (kiosk.app.invitation). Offline
# the invitation names nobody (its code carries no personal data): "invitation.ok.guest".
INVITATION_MESSAGES: dict[str, dict[str, str]] = {
    "invitation.ok": {
        "zh_CN": "{whom}，您好！您的邀请有效至 {valid_until}。请刷身份证或填写证件信息完成登记。",
        "en": "Welcome, {whom}! Your invitation is valid until {valid_until}. Please place your ID "
        "card on the reader or type your ID details to check in.",
    },
    "invitation.ok.guest": {
        "zh_CN": "受邀访客，您好！您的邀请有效至 {valid_until}。请刷身份证或填写证件信息完成登记。",
        "en": "Welcome, invited guest! Your invitation is valid until {valid_until}. Please place "
        "your ID card on the reader or type your ID details to check in.",
    },
    "invitation.refused.garbage": {
        "zh_CN": "无法识别此二维码。请扫描您收到的访客邀请码。",
        "en": "This code cannot be read. Please scan the invitation code you were sent.",
    },
    "invitation.refused.forged": {
        "zh_CN": "此邀请码无法验证。请到前台咨询。",
        "en": "This invitation cannot be verified. Please ask at reception.",
    },
    "invitation.refused.not_yet_valid": {
        "zh_CN": "此邀请自 {valid_from} 起有效，请届时再来。",
        "en": "This invitation is valid from {valid_from}. Please come back then.",
    },
    "invitation.refused.expired": {
        "zh_CN": "此邀请已于 {valid_until} 过期。请联系邀请您的人，或到前台登记。",
        "en": "This invitation expired at {valid_until}. Please contact your host or register at "
        "reception.",
    },
    "invitation.refused.revoked": {
        "zh_CN": "此邀请已被取消。请到前台咨询。",
        "en": "This invitation was cancelled. Please ask at reception.",
    },
    "invitation.refused.used_up": {
        "zh_CN": "此邀请已使用过，不能再次登记。请到前台咨询。",
        "en": "This invitation has already been used. Please ask at reception.",
    },
}

# Which optional sentences may follow each base text, in order.
HINTS: dict[str, tuple[str, ...]] = {
    GRANTED: ("access.hint.name", "access.hint.visits_left"),
    "access.denied.frozen": ("access.hint.frozen_until",),
    "access.denied.outside_hours": ("access.hint.next_open",),
    "access.denied.stale_data": ("access.hint.data_as_of",),
}
PASS_HINTS: dict[str, tuple[str, ...]] = {
    "pass.granted": ("pass.hint.entries_left",),
}
_TEXTS: dict[str, dict[str, str]] = {**MESSAGES, **PASS_MESSAGES, **INVITATION_MESSAGES}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(key: str, detail: Mapping[str, str], lang: str) -> str:
    """The full text for `key` in `lang`; KeyError names a base parameter decide() forgot."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    text = _TEXTS[key][lang].format_map(detail)
    for hint in HINTS.get(key, ()) or PASS_HINTS.get(key, ()):
        template = _TEXTS[hint][lang]
        if placeholders(template) <= detail.keys():
            text += (" " if lang == "en" else "") + template.format_map(detail)
    return text


def render_decision(decision: Decision, lang: str) -> str:
    return render(decision.message_key, decision.detail, lang)
