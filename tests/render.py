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
