"""The banned-claim phrase list: data staff update at run time, screened in linear time."""
import pytest

from verifiers.claims import ClaimListError, build_list, build_rule, default_list, screen

ROW = {"id": "x", "phrase": "根治", "kind": "literal", "category": "efficacy_guarantee", "severity": "block",
       "article": "广告法第十六条第一款第（一）项", "explanation_zh": "不得保证功效", "explanation_en": "no guarantees"}


def phrases(text, product=""):
    return [h.phrase for h in screen(text, default_list(), product)]


def test_the_shipped_list_is_version_1_and_every_entry_names_its_article():
    shipped = default_list()
    assert shipped.version == 1 and len(shipped.rules) >= 20
    assert all(rule.basis and rule.explanation_zh and rule.explanation_en for rule in shipped.rules)


def test_myopia_cure_promises_on_an_ortho_k_lens():
    # 2023 cases: "角膜塑形镜 治愈近视 恢复视力" on youth myopia products.
    assert {"治愈近视", "恢复视力"} <= set(phrases("角膜塑形镜 治愈近视，坚持佩戴恢复视力"))


def test_ortho_k_intended_use_wording_is_not_a_claim():
    # The registered intended use says the lens temporarily lowers myopia: ordinary wording.
    assert phrases("用于近视度数-0.75D～-5.00D、角膜散光≤1.50D的青少年暂时性降低近视度数", "角膜塑形用硬性透气接触镜") == []


def test_a_glucose_meter_that_lowers_blood_sugar():
    assert {"降血糖", "稳定血糖"} <= set(phrases("智能血糖仪 降血糖 稳定血糖", "血糖仪"))


def test_a_glucose_meter_monitoring_medication_is_ordinary_wording():
    assert phrases("适用于糖尿病患者自测血糖，监测降糖药效果", "血糖仪") == []


def test_a_blood_pressure_monitor_that_lowers_pressure():
    assert "降压" in phrases("家用电子血压计 降压 一测就准", "电子血压计")


def test_acne_and_whitening_claims_on_a_device_cold_compress():
    # 械字号 cold compresses sold as cosmetics: 祛痘, 美白 (NMPA's 2021 械字号面膜 warnings).
    assert {"祛痘", "美白"} <= set(phrases("医用冷敷贴 祛痘 美白 术后修复", "医用冷敷贴"))


def test_the_same_words_on_a_cosmetic_are_not_a_device_claim():
    assert phrases("氨基酸洗面奶 美白 祛痘") == []


def test_exclusions_cancel_a_hit_they_contain():
    assert phrases("第一类医疗器械 产品唯一标识") == []
    assert "第一品牌" in phrases("国产第一品牌")


def test_evasions_with_spaces_full_width_and_case_are_caught():
    assert {"根治", "NO.1"} <= set(phrases("根 治 颈椎病 ｎｏ．１"))


def test_an_import_names_every_bad_entry():
    with pytest.raises(ClaimListError) as caught:
        build_list([ROW, {**ROW, "id": "bad", "severity": "stop"}, {**ROW, "id": "", "phrase": ""}], version=2)
    assert len(caught.value.problems) >= 3 and any("第2条" in p for p in caught.value.problems)


@pytest.mark.parametrize("pattern", ["(a+)+b", "根.*治", "根.+治", "(?:根治){1,30}", "(a)\\1", "(?:(?:ab){1,3}){1,3}"])
def test_regexes_that_could_backtrack_are_refused(pattern):
    # Catastrophic backtracking needs unbounded or nested repetition; both are refused at import,
    # so whatever staff load screens a 20,000-character description in linear time.
    with pytest.raises(ClaimListError):
        build_rule({**ROW, "kind": "regex", "phrase": pattern})


def test_simple_bounded_regexes_are_accepted():
    rule = build_rule({**ROW, "kind": "regex", "phrase": "比.{1,12}(?:更有效|更安全)"})
    assert rule.kind == "regex"


def test_an_imported_list_screens_with_its_own_entries():
    imported = build_list([ROW, {**ROW, "id": "new_keyword", "phrase": "神仙水|逆龄"}], version=7)
    hits = screen("逆龄神仙水 根治", imported)
    assert {h.phrase for h in hits} == {"逆龄", "神仙水", "根治"}
    assert hits[0].evidence(imported.version)["claims_version"] == 7


def test_a_long_description_is_screened_whole():
    # 20,000 characters (the API's limit) with the claim at the very end.
    text = "本品用于常规护理。" * 2222 + "专家推荐"
    assert len(text) >= 20000 and "专家推荐" in phrases(text)
