"""Two documents photographed on one sheet are cut apart between them."""
from verifiers.documents.model import Line
from verifiers.documents.split import split_lines


def level(text, x, y, w=300, h=30):
    return Line(text, 0.98, (x, y, x + w, y + h), quad=((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def test_two_documents_stacked_on_a_sheet_are_cut_between_them():
    top = [Line("医疗器械经营许可证", 0.99, (300, 50, 700, 110))] + [
        level(t, 100, 150 + 40 * i) for i, t in enumerate(("许可证编号：粤深药监械经营许20240627号", "经营方式：批零兼营",
                                                            "库房地址：深圳市", "经营场所：深圳市"))]
    bottom = [level("统一社会信用代码", 100, 700), level("91440305840092550F", 100, 740),
              Line("营业执照", 0.99, (300, 800, 700, 870))] + [
        level(t, 100, 900 + 40 * i) for i, t in enumerate(("注册资本：200万元", "成立日期：2012年06月18日",
                                                            "营业期限：长期", "类型：有限责任公司"))]
    parts = split_lines(top + bottom)
    assert [sorted(ln.text for ln in p.lines) for p in parts] == [sorted(ln.text for ln in top),
                                                                   sorted(ln.text for ln in bottom)]
    # one document: one part, even with its title twice (an app's title bar above the certificate)
    app = [Line("电子营业执照", 0.99, (300, 0, 700, 60))] + bottom
    assert len(split_lines(app)) == 1
