"""Does a listing describe a medical device? (商品是否为医疗器械)

Platforms screen whole catalogues, and devices are sold under other categories (a 医用冷敷贴
filed under skin care, coloured contact lenses under accessories) without a registration
number. A listing that names itself a device, or names a product that only exists as a
device, needs one (GSP-NET Arts 12(1), 41(2); REG21 Art 46 ¶2). The words are few and
specific on purpose: "口罩" or "眼镜" alone also name ordinary goods, "医用级" describes a
material grade, and 医用酒精 is a disinfectant, so none of them counts.
"""
from __future__ import annotations

import re
import unicodedata

#: Words that make a listing a device listing, most telling first.
DEVICE_WORDS = (
    "械字号", "医疗器械", "械备", "械注",
    "冷敷贴", "医用敷料", "敷贴", "创口贴", "医用口罩", "外科口罩", "医用防护口罩", "医用棉签", "医用纱布", "医用胶带",
    "隐形眼镜", "美瞳", "角膜接触镜", "角膜塑形镜", "OK镜", "护理液",
    "血糖仪", "血糖试纸", "血压计", "电子血压", "体温计", "额温枪", "耳温枪", "血氧仪", "制氧机", "呼吸机", "雾化器",
    "助听器", "验孕棒", "早孕试纸", "排卵试纸", "避孕套", "安全套", "抗原检测", "检测试剂",
    "注射器", "输液器", "针灸针", "拔罐器", "理疗仪", "治疗仪", "根管", "牙科树脂", "正畸", "透明质酸钠凝胶",
)
_MEDICAL = re.compile(r"医用(?!级|酒精)")
_WORDS = tuple(unicodedata.normalize("NFKC", w).upper() for w in DEVICE_WORDS)


def device_marker(text: str) -> str | None:
    """The word that shows ``text`` describes a medical device, or None."""
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()
    for word in _WORDS:
        if word in norm:
            return word
    match = _MEDICAL.search(norm)
    return norm[match.start(): match.start() + 6] if match else None
