"""Small rendered documents for tests that need real text for real OCR."""
import io

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

LICENCE_LINES = [
    "医疗器械经营许可证",
    "许可证编号：粤深药监械经营许20230001号",
    "企业名称：深圳示例医疗器械有限公司",
    "统一社会信用代码：9144030071526726XG",
    "法定代表人：张三",
    "企业负责人：李四",
    "住所：深圳市南山区示例路1号",
    "经营范围：2017年分类目录：Ⅲ类：14；Ⅱ类：07",
    "发证部门：深圳市市场监督管理局",
    "发证日期：2023年01月10日",
    "有效期限：2028年01月09日",
]


def render_lines(lines=LICENCE_LINES, fmt="PNG", size=28) -> bytes:
    font = ImageFont.truetype(FONT, size, index=2)
    image = Image.new("RGB", (1100, 80 + len(lines) * int(size * 2.4)), "white")
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(lines):
        draw.text((60, 40 + i * int(size * 2.4)), text, fill="black", font=font)
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()

BUSINESS_LICENCE_LINES = [
    "营业执照",
    "统一社会信用代码 9144030071526726XG",
    "名称 深圳示例医疗器械有限公司",
    "类型 有限责任公司",
    "法定代表人 张三",
    "经营范围 第二类、第三类医疗器械批发、零售",
    "注册资本 壹仟万元整",
    "成立日期 2015年03月18日",
    "营业期限 2015年03月18日至长期",
    "住所 深圳市南山区示例路1号",
    "登记机关 深圳市市场监督管理局",
]

CERTIFICATE_LINES = [
    "中华人民共和国医疗器械注册证",
    "注册证编号：国械注准20203140456",
    "注册人名称：示例医疗器械制造有限公司",
    "注册人住所：安徽省合肥市示例大道8号",
    "产品名称：一次性使用无菌注射器",
    "型号、规格：1ml、5ml",
    "审批部门：国家药品监督管理局",
    "批准日期：2020年05月06日",
    "有效期至：2030年05月05日",
]
