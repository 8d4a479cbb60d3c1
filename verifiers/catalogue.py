"""The 2017 classification catalogue's sub-catalogues (医疗器械分类目录, NMPA 2017 No.104)."""

SUB_CATALOGUES = {
    "01": ("有源手术器械", "active surgical devices"), "02": ("无源手术器械", "passive surgical devices"),
    "03": ("神经和心血管手术器械", "neurological and cardiovascular surgical devices"),
    "04": ("骨科手术器械", "orthopaedic surgical devices"), "05": ("放射治疗器械", "radiotherapy devices"),
    "06": ("医用成像器械", "medical imaging devices"), "07": ("医用诊察和监护器械", "diagnostic and monitoring devices"),
    "08": ("呼吸、麻醉和急救器械", "respiratory, anaesthesia and emergency devices"),
    "09": ("物理治疗器械", "physical therapy devices"),
    "10": ("输血、透析和体外循环器械", "transfusion, dialysis and extracorporeal devices"),
    "11": ("医疗器械消毒灭菌器械", "disinfection and sterilisation devices"),
    "12": ("有源植入器械", "active implants"), "13": ("无源植入器械", "passive implants"),
    "14": ("注输、护理和防护器械", "infusion, nursing and protective devices"),
    "15": ("患者承载器械", "patient support devices"), "16": ("眼科器械", "ophthalmic devices"),
    "17": ("口腔科器械", "dental devices"), "18": ("妇产科、辅助生殖和避孕器械", "obstetric, reproductive and contraceptive devices"),
    "19": ("医用康复器械", "rehabilitation devices"), "20": ("中医器械", "traditional Chinese medicine devices"),
    "21": ("医用软件", "medical software"), "22": ("临床检验器械", "clinical laboratory devices"),
    # In-vitro diagnostic reagents keep the old 6840 tail in registration numbers.
    "40": ("体外诊断试剂", "in-vitro diagnostic reagents"),
}


def category_name(code: str | None, language: str = "zh") -> str:
    """The name of a 2017 sub-catalogue, of IVD reagents (40), or of a 2002 code (68xx)."""
    names = SUB_CATALOGUES.get((code or "").zfill(2))
    if not names:
        from verifiers.scope import name_2002

        old = name_2002(code or "")
        if old:
            return old if language == "zh" else f"2002 catalogue {code}"
        return code or "?"
    return names[0] if language == "zh" else names[1]
