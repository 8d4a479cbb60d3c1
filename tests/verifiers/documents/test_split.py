"""Two documents copied onto one sheet are cut apart between them, each found by its title; a
page holding one document stays whole."""
from verifiers.documents.model import Line, Page
from verifiers.documents.split import split_lines, split_page, titles


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


def _licence(x=0, y=0):
    return [Line("医疗器械经营许可证", 0.99, (x + 200, y + 50, x + 600, y + 110))] + [
        level(t, x + 20, y + 150 + 40 * i) for i, t in enumerate(("许可证编号：粤深药监械经营许20240627号",
                                                                  "经营方式：批零兼营", "库房地址：深圳市", "经营场所：深圳市"))]


def _business_licence(x=0, y=0):
    return [Line("营业执照", 0.99, (x + 200, y + 50, x + 600, y + 120))] + [
        level(t, x + 20, y + 150 + 40 * i) for i, t in enumerate(("统一社会信用代码：91440305840092550F",
                                                                  "注册资本：200万元", "成立日期：2012年06月18日",
                                                                  "营业期限：长期", "类型：有限责任公司"))]


def test_titles_are_large_or_alone_on_their_row():
    found = titles(_licence())
    assert [(doc_type, line.text) for doc_type, line in found] == [("device_business_licence", "医疗器械经营许可证")]
    # the title's words inside a line of text (a number beside them) are no title
    assert titles([level("医疗器械经营许可证编号：粤深药监械经营许20240627号", 0, 0), level("经营方式：批零兼营", 0, 40)]) == []
    assert titles([]) == []


def test_documents_side_by_side_are_cut_down_the_middle():
    left, right = _licence(), _business_licence(x=1000)
    parts = split_lines(left + right)
    assert len(parts) == 2
    assert {ln.text for ln in parts[0].lines} == {ln.text for ln in left}
    assert parts[0].box[2] < 1000 <= parts[1].box[0]


def test_split_page_keeps_the_page_and_gives_each_part_its_qr_codes():
    code = {"payload": "uniscid=91440305840092550F", "uscc": "91440305840092550F", "box": [450, 900, 550, 1000]}
    page = Page(2, 1240, 1754, _licence() + _business_licence(y=700), rotation=90, codes=[code])
    top, bottom = split_page(page)
    assert (top.number, top.width, top.height, top.rotation) == (2, 1240, 1754, 90)
    assert top.region[3] < bottom.region[1]
    assert top.codes is None and bottom.codes == [code]  # the code lies beside the business licence


def test_a_page_with_one_document_or_a_text_layer_stays_whole():
    one = Page(1, 1240, 1754, _licence())
    assert split_page(one) == [one]
    text_layer = Page(1, 595, 842, _licence() + _business_licence(y=700), source="text_layer")
    assert split_page(text_layer) == [text_layer]
    assert split_lines([]) == []
