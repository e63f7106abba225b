"""The rules for visitors' identity document numbers and mobile numbers, shared by kiosk and central.

Pure functions, no IO: validate a number against its claimed document type and return its one
canonical form, derive the type-independent key used for blocklist matching, and refuse anything
else with an `IdDocumentError` whose `key` names the kind of failure (`id.bad_check`, ...) and
whose English message never contains the number.

Every type shares one normalisation before its own rules: full-width ASCII forms become ASCII,
spaces, dashes and dots go, letters are upper-cased (so a typed `x` check character is `X`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from stdnum import numdb
from stdnum.cn import ric

IdType = Literal[
    "cn_ric", "hmt_res_permit", "foreign_pr", "passport", "hk_macao_permit", "taiwan_permit", "other"
]

CN_RIC: Final = "cn_ric"  # 居民身份证
HMT_RES_PERMIT: Final = "hmt_res_permit"  # 港澳台居民居住证
FOREIGN_PR: Final = "foreign_pr"  # 外国人永久居留身份证
PASSPORT: Final = "passport"
HK_MACAO_PERMIT: Final = "hk_macao_permit"  # 港澳居民来往内地通行证
TAIWAN_PERMIT: Final = "taiwan_permit"  # 台湾居民来往大陆通行证
OTHER: Final = "other"
# Names stay within 16 characters: central stores id_type in a String(16) column.
ID_TYPES: Final[tuple[str, ...]] = (
    CN_RIC, HMT_RES_PERMIT, FOREIGN_PR, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT, OTHER,
)
# The types whose numbers follow GB 11643 (18 characters, MOD 11-2); see detect_resident_id_type.
RESIDENT_ID_TYPES: Final[tuple[str, ...]] = (CN_RIC, HMT_RES_PERMIT, FOREIGN_PR)

BAD_CHECK: Final = "id.bad_check"
BAD_DATE: Final = "id.bad_date"
UNKNOWN_REGION: Final = "id.unknown_region"
WRONG_LENGTH: Final = "id.wrong_length"
WRONG_CHARACTERS: Final = "id.wrong_characters"
UNKNOWN_TYPE: Final = "id.unknown_type"
UNKNOWN_COUNTRY: Final = "id.unknown_country"
MISSING_COUNTRY: Final = "id.missing_country"
MOBILE_WRONG_CHARACTERS: Final = "mobile.wrong_characters"
MOBILE_WRONG_LENGTH: Final = "mobile.wrong_length"
MOBILE_BAD_PREFIX: Final = "mobile.bad_prefix"
MESSAGE_KEYS: Final[frozenset[str]] = frozenset({
    BAD_CHECK, BAD_DATE, UNKNOWN_REGION, WRONG_LENGTH, WRONG_CHARACTERS, UNKNOWN_TYPE, UNKNOWN_COUNTRY,
    MISSING_COUNTRY, MOBILE_WRONG_CHARACTERS, MOBILE_WRONG_LENGTH, MOBILE_BAD_PREFIX,
})

EARLIEST_BIRTH_YEAR: Final = 1900
FREE_FORM_LENGTHS: Final = range(5, 21)  # passports and "other": 5 to 20 letters and digits


class IdDocumentError(ValueError):
    """A refused ID document number: `key` is stable (for translations and tests), the message is
    English; neither ever contains the number, so both may be logged and shown."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class MobileNumberError(IdDocumentError):
    """A refused mobile number; its keys start with `mobile.`."""


@dataclass(frozen=True)
class IdDocument:
    """A validated document: `number` is canonical; `country` (ISO 3166 alpha-3) only for passports."""

    id_type: str
    number: str
    country: str | None = None


# --- normalisation -------------------------------------------------------------------------------

# The full-width forms block U+FF01..U+FF5E mirrors ASCII 0x21..0x7E one to one (Chinese input
# methods type these); mapping the whole block also turns a full-width ＋ into + for mobiles.
_FULL_WIDTH: Final[dict[int, int]] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
# Dots people type between digit groups; the full-width dot is "." once mapped.
_DOTS: Final = frozenset(".\u3002\uff61")
_MINUS_SIGN: Final = "\u2212"
_ASCII_ALNUM: Final = re.compile(r"[0-9A-Za-z]*")


def _is_separator(ch: str) -> bool:
    # Unicode categories rather than a hand list: Zs is every space (NBSP, the ideographic
    # space U+3000 ...), Pd every dash (hyphen, en and em dashes, the full-width hyphen ...).
    return ch in "\t\r\n" or ch in _DOTS or ch == _MINUS_SIGN or unicodedata.category(ch) in ("Zs", "Pd")


def _strip(text: str) -> str:
    return "".join(ch for ch in text.translate(_FULL_WIDTH) if not _is_separator(ch))


def _compact(number: str) -> str:
    """The shared normalisation for every ID type, or id.wrong_characters."""
    compact = _strip(number)
    # ASCII is checked before upper-casing: str.upper maps "ß" to "SS" and dotless "ı" to "I",
    # and int() would accept Arabic-Indic digits; none of those belong in a document number.
    if not _ASCII_ALNUM.fullmatch(compact):
        raise IdDocumentError(WRONG_CHARACTERS, "An ID number has only letters and digits.")
    return compact.upper()


# --- shared checks -------------------------------------------------------------------------------

# The 31 province-level divisions of the mainland (GB/T 2260). Resident ID numbers and the 2023
# foreign permanent residence numbers carry one of these; 71 (Taiwan) is issued to nobody and
# Hong Kong, Macao and Taiwan residents hold residence permits (81/82/83) instead.
_MAINLAND_PROVINCES: Final = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
)
_HMT_REGIONS: Final = frozenset({"810000", "820000", "830000"})
_GB11643_SHAPE: Final = re.compile(r"[0-9]{17}[0-9X]")


def _check_length(number: str, allowed: range | tuple[int, ...], message: str) -> None:
    if len(number) not in allowed:
        raise IdDocumentError(WRONG_LENGTH, message)


def _check_gb11643(number: str, kind: str) -> None:
    """Shape and MOD 11-2 check character shared by the three 18-character numbers."""
    _check_length(number, (18,), f"A {kind} number has 18 characters.")
    if not _GB11643_SHAPE.fullmatch(number):
        raise IdDocumentError(
            WRONG_CHARACTERS, f"A {kind} number is 17 digits and a final digit or X."
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise IdDocumentError(BAD_CHECK, f"The check character of this {kind} number does not match.")


def _check_birth_date(yyyymmdd: str, today: dt.date, kind: str) -> None:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        born = None
    if born is None or born.year < EARLIEST_BIRTH_YEAR or born > today:
        raise IdDocumentError(BAD_DATE, f"The birth date in this {kind} number is not a possible date.")


def _known_county(code: str) -> bool:
    """Whether stdnum's GB/T 2260 data knows this six-digit address code, in any period.

    stdnum's ric.validate also requires the county to have existed in the birth year; that refuses
    real people, since the code is the place of first registration (people born before 1984 were
    registered as adults, often in a county created after their birth), so only its data is used.
    """
    parts = numdb.get("cn/loc").info(code)
    found = {key for _part, props in parts for key in props}
    return {"province", "county"} <= found


# --- the document types --------------------------------------------------------------------------


def _cn_ric(number: str, today: dt.date) -> str:
    # 15-digit first-generation numbers are refused (as a wrong length): those cards stopped being
    # valid on 2013-01-01, so nobody can show one, and every holder has the 18-character number.
    kind = "resident ID"
    _check_gb11643(number, kind)
    _check_birth_date(number[6:14], today, kind)
    if number[:2] not in _MAINLAND_PROVINCES or not _known_county(number[:6]):
        raise IdDocumentError(
            UNKNOWN_REGION,
            "The region code of this resident ID number is unknown; Hong Kong, Macao and Taiwan "
            "residence permits are their own document type.",
        )
    return number


def _hmt_res_permit(number: str, today: dt.date) -> str:
    # Not stdnum's ric.validate: its data has no 830000 at all and dates 810000 and 820000 from
    # 1997 and 1999, so it refuses Taiwan residents and anyone born before the handovers.
    kind = "residence permit"
    _check_gb11643(number, kind)
    _check_birth_date(number[6:14], today, kind)
    if number[:6] not in _HMT_REGIONS:
        raise IdDocumentError(
            UNKNOWN_REGION,
            "A Hong Kong, Macao or Taiwan residence permit number starts with 810000, 820000 or 830000.",
        )
    return number


_FOREIGN_PR_2017: Final = re.compile(r"[A-Z]{3}[0-9]{12}")


def _foreign_pr(number: str, today: dt.date) -> str:
    kind = "permanent residence ID"
    _check_length(number, (15, 18), "A permanent residence ID number has 15 or 18 characters.")
    if len(number) == 15:
        # The 2017 card: three letters for the nationality and twelve digits. The meaning of the
        # digits and their check digit are not publicly documented, so only the shape is checked.
        if not _FOREIGN_PR_2017.fullmatch(number):
            raise IdDocumentError(
                WRONG_CHARACTERS, "A 15-character permanent residence ID number is 3 letters and 12 digits."
            )
        return number
    # The 2023 card (National Immigration Administration notice of 2023): 9, the two-digit province
    # of the issuing office, a three-digit nationality code, the birth date YYYYMMDD, a three-digit
    # sequence and a GB 11643 MOD 11-2 check character. The nationality code is not checked: the
    # table behind it (with codes for stateless people) is not published.
    if not number.startswith("9"):
        raise IdDocumentError(
            WRONG_CHARACTERS, "An 18-character permanent residence ID number starts with 9."
        )
    _check_gb11643(number, kind)
    _check_birth_date(number[6:14], today, kind)
    if number[1:3] not in _MAINLAND_PROVINCES:
        raise IdDocumentError(
            UNKNOWN_REGION, "The issuing province in this permanent residence ID number is unknown."
        )
    return number


def _free_form(number: str, kind: str) -> str:
    _check_length(number, FREE_FORM_LENGTHS, f"A {kind} number has 5 to 20 letters and digits.")
    return number


_HK_MACAO: Final = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")


def _hk_macao_permit(number: str) -> str:
    # Ministry of Public Security numbering rule: H (Hong Kong) or M (Macao), an 8-digit lifetime
    # number, and on the 11-character form 2 digits counting renewals (00 on the first card).
    _check_length(
        number, (9, 11), "A Mainland Travel Permit number for Hong Kong and Macao has 9 or 11 characters."
    )
    if not _HK_MACAO.fullmatch(number):
        raise IdDocumentError(
            WRONG_CHARACTERS,
            "A Mainland Travel Permit number for Hong Kong and Macao is H or M followed by digits.",
        )
    return number


_TAIWAN: Final = re.compile(r"[0-9]{8}(?:[0-9]{2})?")


def _taiwan_permit(number: str) -> str:
    # Since 2008-09-25 the number is the 8-digit lifetime number alone. Earlier numbers (still
    # printed on one-time permits) add two digits counting issues: 10 digits. The pre-2006 form
    # with an issuing-office letter in brackets, "(B)", belongs to five-year permits that have
    # all expired, so it is refused as wrong characters.
    _check_length(number, (8, 10), "A Mainland Travel Permit number for Taiwan has 8 or 10 digits.")
    if not _TAIWAN.fullmatch(number):
        raise IdDocumentError(WRONG_CHARACTERS, "A Mainland Travel Permit number for Taiwan has only digits.")
    return number


# --- countries -----------------------------------------------------------------------------------

# ISO 3166-1, all 249 entries: each token is the alpha-2 code followed by the alpha-3 code.
# Written out by hand because pycountry is not a dependency, stdnum has no country table, and
# Babel's CLDR aliases mix withdrawn codes (DDR, BUR, ZAR, YUG) and groupings (EU, UN) with the
# current ones; tests/unit/core/test_id_documents.py checks this table against Babel's data.
_ISO_3166: Final = (
    "ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE "
    "BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS "
    "BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN "
    "COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST "
    "EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF "
    "GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD "
    "HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM "
    "JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA "
    "LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD "
    "MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM "
    "NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG "
    "PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA "
    "SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD "
    "STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON "
    "TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR "
    "VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE"
)
ALPHA2_TO_ALPHA3: Final[dict[str, str]] = {token[:2]: token[2:] for token in _ISO_3166.split()}
ALPHA3_CODES: Final[frozenset[str]] = frozenset(ALPHA2_TO_ALPHA3.values())


def normalise_country(code: str | None) -> str:
    """The ISO 3166-1 alpha-3 code for an alpha-2 or alpha-3 `code` (passports print alpha-3)."""
    compact = _strip(code or "")
    if not compact:
        raise IdDocumentError(MISSING_COUNTRY, "A passport needs its issuing country.")
    if compact.isascii():
        upper = compact.upper()
        if upper in ALPHA3_CODES:
            return upper
        if upper in ALPHA2_TO_ALPHA3:
            return ALPHA2_TO_ALPHA3[upper]
    raise IdDocumentError(UNKNOWN_COUNTRY, "The issuing country is not an ISO 3166 country code.")


# --- public API ----------------------------------------------------------------------------------


def _require_known_type(id_type: str) -> None:
    if id_type not in ID_TYPES:
        expected = ", ".join(ID_TYPES)
        raise IdDocumentError(UNKNOWN_TYPE, f"Unknown ID document type; expected one of {expected}.")


def validate(
    id_type: str, number: str, *, country: str | None = None, today: dt.date | None = None
) -> IdDocument:
    """The document with its canonical number, or IdDocumentError.

    `country` is required for passports and ignored otherwise (a form may keep a stale choice).
    `today` bounds birth dates; the caller's local date when left out.
    """
    _require_known_type(id_type)
    compact = _compact(number)
    day = today if today is not None else dt.date.today()
    if id_type == CN_RIC:
        return IdDocument(id_type, _cn_ric(compact, day))
    if id_type == HMT_RES_PERMIT:
        return IdDocument(id_type, _hmt_res_permit(compact, day))
    if id_type == FOREIGN_PR:
        return IdDocument(id_type, _foreign_pr(compact, day))
    if id_type == PASSPORT:
        issuer = normalise_country(country)
        return IdDocument(id_type, _free_form(compact, "passport"), issuer)
    if id_type == HK_MACAO_PERMIT:
        return IdDocument(id_type, _hk_macao_permit(compact))
    if id_type == TAIWAN_PERMIT:
        return IdDocument(id_type, _taiwan_permit(compact))
    return IdDocument(id_type, _free_form(compact, "document"))


def normalise(id_type: str, number: str, *, country: str | None = None, today: dt.date | None = None) -> str:
    """The canonical number alone (see validate)."""
    return validate(id_type, number, country=country, today=today).number


def detect_resident_id_type(number: str, *, today: dt.date | None = None) -> str | None:
    """Which GB 11643 document (resident ID, residence permit, 2023 permanent residence ID) this
    number is valid as, or None; never raises."""
    for id_type in RESIDENT_ID_TYPES:
        try:
            document = validate(id_type, number, today=today)
        except IdDocumentError:
            continue
        if len(document.number) == 18:  # the 15-character foreign_pr shape is no resident ID
            return id_type
    return None


def looks_like_resident_id(number: str, *, today: dt.date | None = None) -> bool:
    """True for a number that is valid as one of the GB 11643 documents, so a caller can refuse
    it under a free-form type (passport, other), where its own rules would not apply."""
    return detect_resident_id_type(number, today=today) is not None


_HK_MACAO_WITH_RENEWALS: Final = re.compile(r"[HM][0-9]{10}")
_TAIWAN_WITH_ISSUES: Final = re.compile(r"[0-9]{10}")


def canonical_key(id_type: str, number: str) -> str:
    """The key a blocklist matches on: the same for one person's number whatever type was claimed.

    It is the shared normalisation of the number, without the type, so a resident ID number typed
    as a passport or "other" gives the same key. The renewal and issue counters are dropped, so a
    renewed permit still matches: the first 9 characters of an 11-character Hong Kong/Macao permit
    (the Ministry's rule: same first 9, same holder), whatever type was claimed since H or M and 10
    digits is that permit's shape alone; the first 8 digits of a 10-digit Taiwan permit number, only
    under that type, since 10 bare digits could be anything. It does not validate the number against
    its type (passports would need their country): validate first where that matters.
    """
    _require_known_type(id_type)
    compact = _compact(number)
    _check_length(compact, range(1, FREE_FORM_LENGTHS.stop), "An ID number has 1 to 20 letters and digits.")
    if _HK_MACAO_WITH_RENEWALS.fullmatch(compact):
        return compact[:9]
    if id_type == TAIWAN_PERMIT and _TAIWAN_WITH_ISSUES.fullmatch(compact):
        return compact[:8]
    return compact


# --- mobile numbers ------------------------------------------------------------------------------

_MOBILE_CHARS: Final = re.compile(r"\+?[0-9]+")
_MAINLAND_MOBILE: Final = re.compile(r"1[3-9][0-9]{9}")
# E.164 caps a number at 15 digits, country code included; the shortest is a 1-digit country
# code and 6 digits. Without a calling-code table (phonenumbers is not a dependency) the split
# between country code and subscriber number is unknown, so the total is what is checked.
_INTERNATIONAL_DIGITS: Final = range(7, 16)


def normalise_mobile(number: str) -> str:
    """The canonical mobile number: 11 digits for the mainland (a typed +86 is dropped, so one
    phone has one form), else + and the digits; or MobileNumberError."""
    # Brackets go too: "+1 (415) 555-0100" is how many people write a foreign number.
    compact = "".join(ch for ch in _strip(number) if ch not in "()")
    if not compact:
        raise MobileNumberError(MOBILE_WRONG_LENGTH, "A mobile number is needed.")
    if not _MOBILE_CHARS.fullmatch(compact):
        raise MobileNumberError(MOBILE_WRONG_CHARACTERS, "A mobile number has only digits and a leading +.")
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("+"):
        digits = compact[1:]
        if len(digits) not in _INTERNATIONAL_DIGITS:
            raise MobileNumberError(
                MOBILE_WRONG_LENGTH, "An international mobile number has 7 to 15 digits after the +."
            )
        if digits.startswith("0"):
            raise MobileNumberError(MOBILE_BAD_PREFIX, "A country code never starts with 0.")
        return compact
    if len(compact) != 11:
        raise MobileNumberError(MOBILE_WRONG_LENGTH, "A mainland mobile number has 11 digits.")
    if not _MAINLAND_MOBILE.fullmatch(compact):
        raise MobileNumberError(MOBILE_BAD_PREFIX, "A mainland mobile number starts with 13 to 19.")
    return compact
