"""People, company names and addresses: the vocabulary the world's enterprises are named from."""
from __future__ import annotations

import random

from samples.places import Place, generic_roads
from samples.products import MAKER_WORDS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉力斌宇浩凯鹏飞俊峰亮晨欣怡雪婷琳倩颖玲丹萍梅莉琴云慧宁涵睿博晓东海波春燕晖璐嘉豪泽瑞"
TRADE_FIRST = "康瑞华正博安普德卓乐迈惠嘉恒益仁天永长福佳明鑫百宏远盛泰信达诚润健和祥凯澳新悦聚创汇"
TRADE_SECOND = "宁康信和远达泰润越康德民禾安生丰和青瑞嘉明源川晟昌泽辉瀚宇弘诚邦健美捷科"
DISTRIBUTOR_WORDS = ("医疗器械", "医疗科技", "医药", "医疗用品", "健康科技")
RETAILER_WORDS = ("大药房连锁", "医药连锁", "大药房", "眼镜", "健康药房")
PLATFORM_WORDS = ("网络科技", "电子商务", "信息技术")
COMPANY_TYPES = ("有限责任公司（自然人投资或控股）", "有限责任公司（法人独资）", "股份有限公司（非上市、自然人投资或控股）",
                 "有限责任公司（台港澳法人独资）", "其他有限责任公司")
BUILDINGS = ("", "A座", "B栋", "1号楼", "2号楼", "科技大厦", "创新中心", "产业园3栋", "综合楼", "医疗器械产业园5栋")
WEB_WORDS = ("康宁健康", "优选医疗", "瑞康商城", "安心购", "健康到家", "医械优品", "康乐购", "百姓健康")
DOMAINS = ("kangjian", "yxyl", "rkmall", "axgou", "jkdj", "yxyp", "klgou", "bxjk", "meditrade", "healthmall")


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def address(rng: random.Random, place: Place, suffix: str = "") -> str:
    road = rng.choice(place.roads or generic_roads())
    building = rng.choice(BUILDINGS)
    room = f"{rng.randint(1, 28)}{rng.randint(1, 20):02d}室" if building and rng.random() < 0.7 else ""
    return f"{place.locality}{road}{rng.randint(1, 999)}号{building}{room}{suffix}"


def capital(rng: random.Random) -> str:
    return f"{rng.choice((100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000))}万元人民币"


def trade_name(rng: random.Random) -> str:
    """Two characters of a 字号 (trade name), never the same one twice."""
    first = rng.choice(TRADE_FIRST)
    second = rng.choice(TRADE_SECOND.replace(first, ""))
    return first + second

def company_name(rng: random.Random, place: Place, role: str, maker: str | None = None) -> str:
    """A company name as registered: city, trade name, line of business and legal form."""
    if role in ("manufacturer", "overseas"):
        words = MAKER_WORDS.get(maker or "医疗科技", ("医疗科技",))
        form = rng.choice(("有限公司", "有限公司", "股份有限公司"))
    elif role == "retailer":
        words, form = RETAILER_WORDS, "有限公司"
    elif role == "platform":
        words, form = PLATFORM_WORDS, "有限公司"
    else:
        words, form = DISTRIBUTOR_WORDS, rng.choice(("有限公司", "有限公司", "有限公司", "股份有限公司"))
    if role == "overseas":
        suffix = {"71": "股份有限公司", "81": "（香港）有限公司", "82": "（澳门）有限公司"}[place.province.code]
        return trade_name(rng) + rng.choice(MAKER_WORDS.get(maker or "医疗科技", ("医疗科技",))) + suffix
    city = place.city
    if place.province.municipality:
        city = place.province.short
    elif city and rng.random() < 0.4:
        city = place.city_short
    return city + trade_name(rng) + rng.choice(words) + form
