"""Which of the seven document types a page set is, from its title and key labels."""
from __future__ import annotations

import re

from verifiers.documents.model import Page

#: (type, title patterns, label patterns). Titles weigh most; labels break ties when the
#: title is damaged by a seal or glare. Ordered so that more specific titles win
#: (第二类…经营备案凭证 before 经营许可证, 网络销售 before everything).
SIGNATURES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("online_sales_filing", (r"网络销售.{0,4}备案", r"网络销售信息表", r"械网备"),
     (r"网站名称", r"网络交易服务第三方平台", r"IP地址", r"域名", r"网络销售")),
    ("class2_business_filing", (r"第二类医疗器械经营备案", r"经营备案凭证"),
     (r"备案编号", r"备案部门", r"备案日期", r"经营备")),
    ("device_business_licence", (r"医疗器械经营许可证",),
     (r"许可证编号", r"经营方式", r"库房地址", r"经营场所", r"经营许")),
    ("production_licence", (r"医疗器械生产许可证",), (r"生产范围", r"生产地址", r"生产许")),
    ("class1_filing", (r"第一类医疗器械备案", r"(?<!网络销售)备案信息表"),
     (r"备案人", r"械备", r"备案号")),
    ("registration_certificate", (r"医疗器械注册证", r"注册证$"),
     (r"注册证编号", r"注册人", r"型号[、,，]?规格", r"结构及组成", r"适用范围", r"械注")),
    ("business_licence", (r"营业执照",),
     (r"统一社会信用代码", r"注册资本", r"成立日期", r"营业期限", r"登记机关", r"类\s*型")),
)


def classify(pages: list[Page], hint: str | None = None) -> tuple[str | None, float]:
    """The detected type and a confidence in [0, 1]; (None, 0) when nothing matches."""
    text = "\n".join(p.text() for p in pages)
    compact = re.sub(r"\s+", "", text)
    scores = {}
    for doc_type, titles, labels in SIGNATURES:
        title_hits = sum(1 for t in titles if re.search(t, compact, re.M))
        label_hits = sum(1 for lab in labels if re.search(lab, compact))
        scores[doc_type] = 3 * min(title_hits, 1) + label_hits / max(len(labels), 1) * 2
    best = max(scores, key=scores.get)
    if scores[best] < 1.0:
        if hint and hint in scores:
            return hint, 0.3
        return None, 0.0
    ranked = sorted(scores.values(), reverse=True)
    margin = ranked[0] - ranked[1]
    confidence = min(1.0, 0.5 + margin / 4 + (0.2 if ranked[0] >= 3 else 0))
    if hint and hint != best and scores.get(hint, 0) >= ranked[0] - 0.5:
        return hint, confidence * 0.8
    return best, round(confidence, 3)
