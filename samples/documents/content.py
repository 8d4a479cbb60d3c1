"""What each of the seven document types (design §4) prints, from the sample world.

A :class:`Content` holds the title, the labelled rows as printed and, for every row that
carries one of design §4's fields, the normalised value (the ground truth). Layouts decide
where rows go; they never change what a row says.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from samples.world import Device, Enterprise, Licence, World

ROMAN = {3: "Ⅲ", 2: "Ⅱ", 1: "Ⅰ"}
CATEGORY_NAMES = {
    "01": "有源手术器械", "02": "无源手术器械", "03": "神经和心血管手术器械", "04": "骨科手术器械",
    "05": "放射治疗器械", "06": "医用成像器械", "07": "医用诊察和监护器械", "08": "呼吸、麻醉和急救器械",
    "09": "物理治疗器械", "10": "输血、透析和体外循环器械", "11": "医疗器械消毒灭菌器械", "12": "有源植入器械",
    "13": "无源植入器械", "14": "注输、护理和防护器械", "15": "患者承载器械", "16": "眼科器械",
    "17": "口腔科器械", "18": "妇产科、辅助生殖和避孕器械", "19": "医用康复器械", "20": "中医器械",
    "21": "医用软件", "22": "临床检验器械",
}
TITLES = {
    "business_licence": "营业执照",
    "device_business_licence": "医疗器械经营许可证",
    "class2_business_filing": "第二类医疗器械经营备案凭证",
    "registration_certificate": "中华人民共和国医疗器械注册证",
    "class1_filing": "第一类医疗器械备案信息表",
    "production_licence": "医疗器械生产许可证",
    "online_sales_filing": "医疗器械网络销售备案信息表",
}
DOC_TYPES = tuple(TITLES)


def cn_date(day: date) -> str:
    """Dates as certificates print them: 2023年01月10日."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def scope_items(scope) -> list[dict]:
    return [{"class": c, "category": cat} for c, cat in scope]


def scope_text(scope, style: str) -> str:
    """A licence scope as printed: ``2017年分类目录：Ⅲ类：14，16；Ⅱ类：07`` or with category names."""
    parts = []
    for cls in (3, 2, 1):
        codes = [cat for c, cat in scope if c == cls]
        if not codes:
            continue
        if style == "named":
            listed = "，".join(f"{code}{CATEGORY_NAMES.get(code, '')}" for code in codes)
        elif style == "dashed":
            listed = "，".join(f"{code}-{CATEGORY_NAMES.get(code, '')}" for code in codes)
        else:
            listed = "，".join(codes)
        parts.append(f"{ROMAN[cls]}类：{listed}")
    body = "；".join(parts)
    return body if style == "dashed" else f"2017年分类目录：{body}"


@dataclass
class Row:
    label: str
    value: str
    field: str | None = None


@dataclass
class Content:
    doc_type: str
    title: str
    rows: list[Row]
    issuer_label: str
    issuer: str
    date_label: str
    date_text: str
    fields: dict
    subtitle: str = ""
    number_label: str = ""  # printed at the top right by layouts that do so
    number: str = ""
    seal_bottom: str = ""
    footer: str = ""
    source: dict = field(default_factory=dict)

    def row(self, label: str) -> Row | None:
        return next((r for r in self.rows if r.label == label), None)


# --- the seven types -------------------------------------------------------------------------------------------------


def business_licence(ent: Enterprise, rng: random.Random, overrides: dict | None = None) -> Content:
    o = overrides or {}
    uscc = o.get("uscc", ent.uscc)
    if ent.business_term_end is None:
        term, valid_until = f"{cn_date(ent.established_on)}至长期", None
    else:
        term, valid_until = f"{cn_date(ent.established_on)}至{cn_date(ent.business_term_end)}", ent.business_term_end
    rows = [
        Row("统一社会信用代码", uscc, "uscc"),
        Row("名称", ent.name, "name"),
        Row("类型", ent.company_type),
        Row("法定代表人", ent.legal_representative, "legal_representative"),
        Row("经营范围", ent.business_scope),
        Row("注册资本", ent.registered_capital),
        Row("成立日期", cn_date(ent.established_on), "issued_on"),
        Row("营业期限", term, "valid_until"),
        Row("住所", ent.address, "address"),
    ]
    registrar = ent.place.business_registrar()
    fields = {"name": ent.name, "uscc": uscc, "legal_representative": ent.legal_representative,
              "address": ent.address, "issued_on": ent.established_on.isoformat(),
              "valid_until": valid_until.isoformat() if valid_until else None, "issuer": registrar}
    return Content("business_licence", "营业执照", rows, "登记机关", registrar, "", cn_date(ent.licence_registered_on),
                   fields, subtitle="（副　本）", seal_bottom="",
                   footer="国家企业信用信息公示系统网址：http://www.gsxt.gov.cn　　　　国家市场监督管理总局监制",
                   source={"enterprise": ent.name, "uscc": ent.uscc})


def _licence_common(lic: Licence, ent: Enterprise, overrides: dict) -> tuple[str, dict]:
    uscc = overrides.get("uscc", lic.uscc)
    fields = {"number": lic.number, "name": lic.holder, "uscc": uscc,
              "legal_representative": ent.legal_representative, "manager": ent.manager, "address": lic.address}
    return uscc, fields


def device_business_licence(lic: Licence, ent: Enterprise, rng: random.Random,
                            overrides: dict | None = None) -> Content:
    o = overrides or {}
    uscc, fields = _licence_common(lic, ent, o)
    style = rng.choice(("plain", "named"))
    mode = "批零兼营" if ent.role == "distributor" else "零售"
    rows = [
        Row("许可证编号", lic.number, "number"),
        Row("企业名称", lic.holder, "name"),
        Row("统一社会信用代码", uscc, "uscc"),
        Row("法定代表人", ent.legal_representative, "legal_representative"),
        Row("企业负责人", ent.manager, "manager"),
        Row("质量负责人", ent.quality_manager),
        Row("住所", lic.address, "address"),
        Row("经营场所", ent.premises),
        Row("经营方式", mode),
        Row("经营范围", scope_text(lic.scope, style), "scope"),
        Row("库房地址", ent.warehouse or "无"),
        Row("有效期限", cn_date(lic.valid_until) if lic.valid_until else "长期", "valid_until"),
    ]
    fields.update(scope=scope_items(lic.scope), issuer=lic.issuer, issued_on=lic.issued_on.isoformat(),
                  valid_until=lic.valid_until.isoformat() if lic.valid_until else None)
    return Content("device_business_licence", TITLES["device_business_licence"], rows, "发证部门", lic.issuer,
                   "发证日期", cn_date(lic.issued_on), fields, subtitle="（副本）", number_label="许可证编号",
                   number=lic.number, footer="国家药品监督管理局监制",
                   source={"registry": "enterprises", "number": lic.number, "uscc": lic.uscc})


def class2_business_filing(lic: Licence, ent: Enterprise, rng: random.Random,
                           overrides: dict | None = None) -> Content:
    o = overrides or {}
    uscc, fields = _licence_common(lic, ent, o)
    style = rng.choice(("plain", "named"))
    rows = [
        Row("备案编号", lic.number, "number"),
        Row("企业名称", lic.holder, "name"),
        Row("统一社会信用代码", uscc, "uscc"),
        Row("法定代表人", ent.legal_representative, "legal_representative"),
        Row("企业负责人", ent.manager, "manager"),
        Row("质量负责人", ent.quality_manager),
        Row("住所", lic.address, "address"),
        Row("经营场所", ent.premises),
        Row("经营方式", "批零兼营" if ent.role == "distributor" else "零售"),
        Row("经营范围", scope_text(lic.scope, style), "scope"),
        Row("库房地址", ent.warehouse or "无"),
    ]
    fields.update(scope=scope_items(lic.scope), issuer=lic.issuer, issued_on=lic.issued_on.isoformat())
    return Content("class2_business_filing", TITLES["class2_business_filing"], rows, "备案部门", lic.issuer,
                   "备案日期", cn_date(lic.issued_on), fields, number_label="备案编号", number=lic.number,
                   footer="国家药品监督管理局监制",
                   source={"registry": "enterprises", "number": lic.number, "uscc": lic.uscc})


def production_licence(lic: Licence, ent: Enterprise, rng: random.Random, overrides: dict | None = None) -> Content:
    o = overrides or {}
    uscc, fields = _licence_common(lic, ent, o)
    rows = [
        Row("许可证编号", lic.number, "number"),
        Row("企业名称", lic.holder, "name"),
        Row("统一社会信用代码", uscc, "uscc"),
        Row("法定代表人", ent.legal_representative, "legal_representative"),
        Row("企业负责人", ent.manager, "manager"),
        Row("住所", lic.address, "address"),
        Row("生产地址", ent.production_address),
        Row("生产范围", scope_text(lic.scope, "dashed"), "scope"),
        Row("有效期限", cn_date(lic.valid_until) if lic.valid_until else "长期", "valid_until"),
    ]
    fields.update(scope=scope_items(lic.scope), issuer=lic.issuer, issued_on=lic.issued_on.isoformat(),
                  valid_until=lic.valid_until.isoformat() if lic.valid_until else None)
    return Content("production_licence", TITLES["production_licence"], rows, "发证部门", lic.issuer, "发证日期",
                   cn_date(lic.issued_on), fields, subtitle="（副本）", number_label="许可证编号", number=lic.number,
                   footer="国家药品监督管理局监制",
                   source={"registry": "enterprises", "number": lic.number, "uscc": lic.uscc})


def online_sales_filing(lic: Licence, ent: Enterprise, rng: random.Random, overrides: dict | None = None) -> Content:
    o = overrides or {}
    uscc, fields = _licence_common(lic, ent, o)
    held = [x.number for x in ent.licences if x.kind in ("device_business_licence", "class2_business_filing",
                                                         "production_licence") and x.in_registry]
    web = ent.website or {"name": ent.name.replace("有限公司", "") + "官方商城", "domain": "www.example.cn",
                          "ip": "203.0.113.10", "platform": "", "shop": ""}
    rows = [
        Row("备案编号", lic.number, "number"),
        Row("企业名称", lic.holder, "name"),
        Row("统一社会信用代码", uscc, "uscc"),
        Row("法定代表人", ent.legal_representative, "legal_representative"),
        Row("企业负责人", ent.manager, "manager"),
        Row("住所", lic.address, "address"),
        Row("医疗器械经营许可证/备案凭证号", "；".join(held) or "无"),
        Row("网站名称", web["name"]),
        Row("网址", web["domain"]),
        Row("IP地址", web["ip"]),
        Row("入驻第三方平台", f"{web['platform']}（店铺：{web['shop']}）" if web.get("platform") else "无"),
    ]
    fields.update(issuer=lic.issuer, issued_on=lic.issued_on.isoformat())
    return Content("online_sales_filing", TITLES["online_sales_filing"], rows, "备案部门", lic.issuer, "备案日期",
                   cn_date(lic.issued_on), fields, number_label="备案编号", number=lic.number,
                   source={"registry": "enterprises", "number": lic.number, "uscc": lic.uscc})


def registration_certificate(dev: Device, rng: random.Random, overrides: dict | None = None) -> Content:
    p = dev.product
    reg = dev.registrant
    models_label = "包装规格" if p.ivd else "型号、规格"
    rows = [
        Row("注册人名称", reg.name, "registrant"),
        Row("注册人住所", reg.address, "address"),
        Row("生产地址", reg.production_address or reg.address),
    ]
    if dev.agent is not None:
        rows += [Row("代理人名称", dev.agent.name), Row("代理人住所", dev.agent.address)]
    rows += [
        Row("产品名称", p.name, "product_name"),
        Row(models_label, "、".join(dev.models), "models"),
        Row("主要组成成分" if p.ivd else "结构及组成", p.structure.removeprefix("主要组成成分：")),
        Row("预期用途" if p.ivd else "适用范围", p.intended_use),
        Row("附件", "产品技术要求" + ("、说明书" if p.ivd else "")),
        Row("其他内容", "无"),
        Row("备注", "无" if dev.first_registered_on == dev.approved_on else "延续注册"),
    ]
    fields = {"number": dev.number, "registrant": reg.name, "address": reg.address, "product_name": p.name,
              "models": list(dev.models), "issuer": dev.issuer, "issued_on": dev.approved_on.isoformat(),
              "valid_until": dev.valid_until.isoformat() if dev.valid_until else None}
    content = Content("registration_certificate", TITLES["registration_certificate"], rows, "审批部门", dev.issuer,
                      "批准日期", cn_date(dev.approved_on), fields, number_label="注册证编号", number=dev.number,
                      seal_bottom="医疗器械注册专用章" if dev.issuer.startswith("国家") else "",
                      source={"registry": "devices", "number": dev.number})
    content.rows.append(Row("有效期至", cn_date(dev.valid_until), "valid_until"))
    return content


def class1_filing(dev: Device, rng: random.Random, overrides: dict | None = None) -> Content:
    p = dev.product
    reg = dev.registrant
    rows = [
        Row("备案号", dev.number, "number"),
        Row("备案人名称", reg.name, "registrant"),
    ]
    fields = {"number": dev.number, "registrant": reg.name}
    if reg.uscc:
        rows.append(Row("备案人统一社会信用代码", reg.uscc, "uscc"))
        fields["uscc"] = reg.uscc
    rows += [
        Row("备案人住所", reg.address, "address"),
        Row("生产地址", reg.production_address or reg.address),
        Row("产品名称", p.name, "product_name"),
        Row("型号、规格", "、".join(dev.models), "models"),
        Row("产品描述", p.structure),
        Row("预期用途", p.intended_use),
        Row("备注", "无"),
    ]
    fields.update(address=reg.address, product_name=p.name, models=list(dev.models), issuer=dev.issuer,
                  issued_on=dev.approved_on.isoformat())
    return Content("class1_filing", TITLES["class1_filing"], rows, "备案部门", dev.issuer, "备案日期",
                   cn_date(dev.approved_on), fields, number_label="备案号", number=dev.number,
                   source={"registry": "devices", "number": dev.number})


def build(doc_type: str, subject, world: World, rng: random.Random, overrides: dict | None = None) -> Content:
    """The content of ``doc_type`` for ``subject`` (an Enterprise, Licence or Device of ``world``)."""
    if doc_type == "business_licence":
        return business_licence(subject, rng, overrides)
    if doc_type in ("registration_certificate", "class1_filing"):
        return globals()[doc_type](subject, rng, overrides)
    ent = world.enterprise(subject.enterprise_key)
    return globals()[doc_type](subject, ent, rng, overrides)
