"""A listing that describes a medical device needs a registration or filing number; the words that
say so are few and specific."""
import pytest

from verifiers.rules.undeclared import device_marker


@pytest.mark.parametrize(("text", "marker"), [
    ("械字号 医用冷敷贴 补水修护", "械字号"),
    ("冷敷贴 面部补水 敏感肌", "冷敷贴"),
    ("彩色隐形眼镜 年抛 美瞳", "隐形眼镜"),
    ("ok镜 夜戴", "OK镜"),  # the width and case of what sellers type do not matter
    ("医用 护创 喷剂", "医用护创喷剂"),  # 医用 plus what follows names the product
])
def test_device_listings(text, marker):
    assert device_marker(text) == marker


@pytest.mark.parametrize("text", [
    "医用级硅胶 奶嘴",  # a material grade
    "75%医用酒精 500ml",  # a disinfectant
    "防晒口罩 冰丝",  # a mask alone is ordinary goods
    "近视眼镜 框架",
    "",
    None,
])
def test_ordinary_goods_are_not_devices(text):
    assert device_marker(text) is None
