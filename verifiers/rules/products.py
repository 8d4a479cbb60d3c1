"""Is a listed product the product on the certificate?

Listings add model suffixes, pack sizes and brackets to the registered name
("一次性使用无菌注射器 带针 5ml（50支/盒）"), so containment after normalisation counts
as a match. What must never pass is a different kind of product under a borrowed
certificate (a mask sold on a syringe's registration): names are classified by their
product-kind word and different kinds are a mismatch even when the wording is close.
"""
from __future__ import annotations

import re

from verifiers.rules.names import DIFFERENT, SAME, SIMILAR, normalise_name, similarity

#: Product-kind words from the 2017 catalogue's product names, longest first when
#: matched. A name's kind is the last of these it contains.
KIND_WORDS = tuple(sorted({
    "注射器", "注射针", "输液器", "输血器", "留置针", "采血针", "采血管", "导管", "导尿管", "引流管", "缝合线", "缝合针",
    "口罩", "防护服", "隔离衣", "手术衣", "帽", "手套", "鞋套", "护目镜", "面罩",
    "体温计", "耳温计", "额温计", "温度计", "血压计", "血压表", "血糖仪", "血糖试纸", "试纸", "试纸条", "试剂盒", "检测试剂", "测定试剂",
    "血氧仪", "心电图机", "监护仪", "听诊器", "雾化器", "制氧机", "呼吸机", "吸痰器",
    "接触镜", "护理液", "润眼液", "眼镜片", "角膜塑形镜", "人工晶状体",
    "助听器", "轮椅", "拐杖", "助行器", "病床", "护理床",
    "治疗仪", "理疗仪", "按摩器", "牵引器", "电极", "贴", "敷贴", "敷料", "冷敷贴", "创口贴", "纱布", "绷带", "棉签",
    "棉球", "胶带", "避孕套", "阴道凝胶", "妊娠试纸", "排卵试纸", "拔罐器", "艾灸", "针灸针", "刮痧板",
    "填充剂", "凝胶", "支架", "球囊", "起搏器", "人工关节", "骨钉", "骨板", "种植体", "牙科", "正畸",
    "消毒器", "灭菌器", "超声", "内窥镜", "X射线机", "软件",
}, key=len, reverse=True))
_PACKAGING = re.compile(r"（[^）]*）|\d+(?:\.\d+)?\s*(?:ml|mL|ML|支|片|贴|盒|只|个|包|袋|瓶|g|mg|kg|cm|mm)\b.*$")


def product_kind(name: str) -> str | None:
    """The product-kind word a name ends in (the rightmost kind word it contains)."""
    norm = normalise_name(name)
    found = [(norm.rfind(word) + len(word), len(word), word) for word in KIND_WORDS if word in norm]
    return max(found)[2] if found else None


def _core(name: str) -> str:
    return normalise_name(_PACKAGING.sub("", name or ""))


def compare_products(listed: str | None, registered: str | None) -> str:
    """``same`` when the listed name is the registered name with additions (or vice versa),
    ``different`` when the kinds differ, otherwise ``similar`` (for a person to judge)."""
    a, b = normalise_name(listed), normalise_name(registered)
    if not a or not b:
        return DIFFERENT
    if a == b or b in a or a in b or _core(listed) == _core(registered) or (_core(registered) and _core(registered) in a):
        return SAME
    kind_a, kind_b = product_kind(listed), product_kind(registered)
    if kind_a and kind_b:
        # Strict on the kind; within one kind the wording is for a person to judge.
        return SIMILAR if kind_a == kind_b or kind_a in kind_b or kind_b in kind_a else DIFFERENT
    return SIMILAR if similarity(listed, registered) >= 0.6 else DIFFERENT


def model_listed(model: str | None, registered_models: tuple[str, ...]) -> bool:
    """Whether a listed model is one of the certificate's (case/width/space-insensitive;
    a registered entry like "1ml、2ml、5ml" or a range counts when it contains the model)."""
    if not model or not registered_models:
        return True
    m = normalise_name(model)
    return any(m == normalise_name(r) or m in normalise_name(r) for r in registered_models)
