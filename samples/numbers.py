"""Number formats of domain.md §2 and §3, as generators (the parsers live in verifiers/).

Each function builds one number exactly as domain.md writes it; the regexes in
tests/samples/test_registry.py check them. Where domain.md marks a format UNCONFIRMED or
local, the choice made here is said beside the function.
"""
from __future__ import annotations

import random
from datetime import date

from samples.places import Place, Province
from verifiers.identifiers.uscc import organisation_check_character, uscc_check_character

#: Characters a GB 11714 organisation-code body can hold that a credit code may also hold
#: (the credit-code alphabet excludes I, O, Z, S and V).
_ORG_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: The 2017 catalogue came into force on 2018-08-01; registrations first issued before
#: then carry the 2002 code's tail in their category segment (domain.md §2.1).
CATALOGUE_2017_FROM = date(2018, 8, 1)


def uscc(division: str, rng: random.Random, established: date, entity_type: str = "1") -> str:
    """A valid credit code: 9 (market regulation), entity type, division, organisation code, check.

    Companies set up after the credit-code reform (October 2015) have ``MA…`` organisation
    codes; older ones keep their numeric GB 11714 code, as real codes do.
    """
    if established >= date(2015, 10, 1):
        body = "MA" + "".join(rng.choice(_ORG_BODY) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "9" + entity_type + division + body + organisation_check_character(body)
    return first17 + uscc_check_character(first17)


def registration_segment(category: str, old_code: str, first_registered: date) -> str:
    """The ``××5`` segment: the 2017 sub-catalogue, or the 2002 code's last two digits before it."""
    if category == "40":
        return "40"
    return category if first_registered >= CATALOGUE_2017_FROM else old_code[-2:]


def registration_number(authority: str, form: str, year: int, device_class: int, segment: str, serial: int) -> str:
    """``×1械注×2××××3×4××5××××6`` (REGM Art 115): 国械注准20193140412, 粤械注准20242070416."""
    if authority != "国" and (form != "准" or device_class != 2):
        raise ValueError("a provincial registration is domestic Class II")
    if authority == "国" and form == "准" and device_class != 3:
        raise ValueError("a national domestic registration is Class III")
    return f"{authority}械注{form}{year:04d}{device_class}{segment}{serial:04d}"


def class1_filing_number(prefix: str, year: int, serial: int) -> str:
    """``×1械备××××2××××3号`` (REGM Art 116): 粤深械备20190035号, 国械备20151134号 for imports."""
    return f"{prefix}械备{year:04d}{serial:04d}号"


def _food(year: int) -> str:
    # Numbers issued before the 2018 reform read 食药监械…; newer ones often drop 食 (domain.md §2.3-2.4).
    return "食" if year <= 2018 else ""


def business_licence_number(place: Place, year: int, serial: int) -> str:
    """Class III device business licence: 粤深药监械经营许20240627号 (沪嘉食药监械经营许20187006号 before 2019)."""
    return f"{place.prefix}{_food(year)}药监械经营许{year:04d}{serial:04d}号"


def business_filing_number(place: Place, year: int, serial: int) -> str:
    """Class II business filing: 粤深药监械经营备20210153号."""
    return f"{place.prefix}{_food(year)}药监械经营备{year:04d}{serial:04d}号"


def production_licence_number(province: Province, year: int, serial: int) -> str:
    """Production licence, provincial only (there is no 国械生产许): 粤药监械生产许20240112号."""
    return f"{province.abbr}{_food(year)}药监械生产许{year:04d}{serial:04d}号"


def online_sales_number(place: Place, filed_on: date, serial: int) -> str:
    """Online-sales filing: province + city + 械网备 + 12 digits (the filing date and a serial).

    Only the Guangdong/Shenzhen form (粤深械网备202005070014) is seen in real numbers.
    INVENTED: the same shape is used for every other province (浙杭械网备…, 苏械网备…),
    since no other province's form is known (domain.md §2.5).
    """
    return f"{place.prefix}械网备{filed_on:%Y%m%d}{serial:04d}"


def platform_filing_number(province: Province, year: int, serial: int) -> str:
    """Platform filing ``(粤)网械平台备字(2019)第00018号``, written half-width (the canonical form)."""
    return f"({province.abbr})网械平台备字({year:04d})第{serial:05d}号"


def gtin14(company_prefix: str, item: int) -> str:
    """A GS1 GTIN-14 used as a UDI-DI: indicator 0, 12 digits, the GS1 mod-10 check digit."""
    body = f"0{company_prefix}{item:03d}"[:13]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)
