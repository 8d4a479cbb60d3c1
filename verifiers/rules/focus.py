"""Focus product categories for online monitoring (domain.md §7).

Which products regulators name as focus items is not fixed in one list; these entries
are each supported individually in domain.md. Most are flagged for information; those
where online sale is a known enforcement target go to review. Platforms can change any
severity (policy ``focus_severity``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FocusCategory:
    id: str
    name_zh: str
    name_en: str
    pattern: re.Pattern
    severity: str
    note: str = ""


FOCUS = (
    FocusCategory("covid_antigen", "新型冠状病毒抗原检测试剂", "COVID-19 antigen tests",
                  re.compile(r"新型冠状病毒|新冠.{0,6}抗原|2019-nCoV"), "info"),
    FocusCategory("ventilator", "呼吸机", "ventilators", re.compile(r"呼吸机"), "info"),
    FocusCategory("protective_clothing", "医用防护服", "protective clothing", re.compile(r"防护服"), "info"),
    FocusCategory("mask", "医用口罩", "medical masks", re.compile(r"口罩"), "info"),
    FocusCategory("thermometer", "体温计", "thermometers", re.compile(r"体温计|耳温计|额温计|体温枪"), "info"),
    FocusCategory("contact_lens", "角膜接触镜（含彩色平光隐形眼镜）", "contact lenses",
                  re.compile(r"接触镜|隐形眼镜|美瞳"), "info", "第三类；须有验配提示"),
    FocusCategory("orthokeratology", "角膜塑形镜", "orthokeratology lenses", re.compile(r"角膜塑形镜|OK镜"), "review",
                  "须验配，不宜网络零售"),
    FocusCategory("glucose", "血糖仪及试纸", "blood-glucose meters and strips", re.compile(r"血糖"), "info"),
    FocusCategory("condom", "避孕套", "condoms", re.compile(r"避孕套|安全套"), "info"),
    FocusCategory("therapy_device", "治疗仪", "therapy devices", re.compile(r"治疗仪|理疗仪"), "info"),
    FocusCategory("rf_beauty", "射频美容/皮肤治疗仪", "radio-frequency beauty devices",
                  re.compile(r"射频.{0,8}(?:美容|皮肤|紧致|提拉|嫩肤|治疗仪)|(?:美容|皮肤).{0,6}射频"), "review",
                  "2026-04-01起须按第三类医疗器械注册"),
    FocusCategory("ha_filler", "透明质酸钠注射填充剂", "hyaluronic-acid dermal fillers",
                  re.compile(r"(?:透明质酸|玻尿酸).{0,10}(?:注射|填充)|(?:注射|填充).{0,6}(?:透明质酸|玻尿酸)"), "review",
                  "第三类植入器械，须在医疗机构使用"),
    FocusCategory("hearing_aid", "助听器", "hearing aids", re.compile(r"助听器"), "info", "须有验配提示"),
    FocusCategory("device_mask", "械字号面膜", "device-registered facial 'masks'",
                  re.compile(r"面膜"), "review", "医用敷料不得作为化妆品宣称美容护肤功效"),
    FocusCategory("dressing_patch", "贴敷类医用敷料/冷敷贴", "dressings and cold patches",
                  re.compile(r"医用.{0,4}敷料.{0,4}贴|冷敷贴|敷贴"), "info"),
    # Named by the seeds (issue 11) beside the items above: dental materials meant for clinics,
    # sold online to anyone, and products marketed for adolescents' myopia.
    FocusCategory("dental_post", "牙科根管钉/固位桩", "dental root-canal posts",
                  re.compile(r"根管钉|根管桩|固位桩|纤维桩"), "info", "17-06-05 固位桩；供口腔医疗机构使用"),
    FocusCategory("dental_resin", "牙科树脂", "dental resins",
                  re.compile(r"牙科.{0,4}树脂|复合树脂|光固化树脂|流动树脂"), "info", "17-05-04 复合树脂；供口腔医疗机构使用"),
    FocusCategory("myopia_youth", "青少年近视防控产品", "adolescent myopia-control products",
                  re.compile(r"(?:青少年|儿童|学生).{0,8}近视|近视.{0,4}(?:防控|治疗|矫正|康复)|离焦|弱视治疗"), "review",
                  "近视不可治愈：核对注册证适用范围，不得宣称治愈近视、恢复视力"),
)


def focus_categories(product_text: str) -> list[FocusCategory]:
    return [f for f in FOCUS if f.pattern.search(product_text or "")]
