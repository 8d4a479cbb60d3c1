"""The plain data of document reading: a line's geometry, and the dictionaries stored and served."""
import pytest

from verifiers.documents.model import Document, DocumentError, Field, Line, Page, Reading


def test_a_lines_geometry():
    line = Line("许可证编号", 0.97, (10.0, 20.0, 110.0, 50.0))
    assert (line.x0, line.y0, line.x1, line.y1) == (10.0, 20.0, 110.0, 50.0)
    assert (line.cx, line.cy, line.height) == (60.0, 35.0, 30.0)
    assert line.slope is None  # no corners: no skew to tell


def test_the_slope_comes_from_the_top_edge():
    tilted = Line("x", 0.9, (0, 0, 100, 40), quad=((0, 10), (100, 20), (100, 40), (0, 30)))
    assert tilted.slope == pytest.approx(0.1)
    # a top edge under a pixel wide says nothing about the slope
    assert Line("x", 0.9, (0, 0, 1, 1), quad=((0, 0), (1, 5), (1, 1), (0, 1))).slope is None


def test_a_field_as_stored_rounds_and_leaves_out_what_is_empty():
    field = Field("9144030071526726XG", 0.912345, 1, (1.234, 2.0, 3.06, 4.0), raw="9144O30071526726XG")
    assert field.as_dict() == {"value": "9144030071526726XG", "raw": "9144O30071526726XG", "confidence": 0.9123,
                               "page": 1, "box": [1.2, 2.0, 3.1, 4.0], "valid": True}
    flagged = Field("x", 0.5, None, None, valid=False, problem={"code": "checksum", "message": "校验位错误"},
                    corrections=[{"from": "a", "to": "b"}]).as_dict()
    assert flagged["box"] is None and flagged["valid"] is False
    assert flagged["problem"]["code"] == "checksum" and flagged["corrections"] == [{"from": "a", "to": "b"}]


def test_a_reading_serves_its_fields_and_its_ocr():
    page = Page(1, 1000, 800, [Line("营业执照", 0.99123, (1.04, 2, 3, 4))], overlay={"text": "仅供审核"})
    field = Field("91440300", 0.9, 1, None)
    reading = Reading([page], "business_licence", 0.95, {"uscc": field}, engine="rapidocr/test")
    assert reading.fields_dict() == {"uscc": field.as_dict()}
    ocr = reading.ocr_dict()
    assert ocr["engine"] == "rapidocr/test" and "documents" not in ocr
    [served] = ocr["pages"]
    assert served["overlay"] == {"text": "仅供审核"} and "codes" not in served
    assert served["lines"] == [{"text": "营业执照", "confidence": 0.9912, "box": [1.0, 2, 3, 4]}]
    assert page.text() == "营业执照"
    reading.documents = [Document(1, (0, 0, 500, 400), "business_licence", 0.9, {"uscc": field})]
    assert reading.ocr_dict()["documents"] == [{"page": 1, "region": [0, 0, 500, 400], "type": "business_licence",
                                               "type_confidence": 0.9, "fields": {"uscc": field.as_dict()}}]


def test_a_document_error_is_bilingual_with_a_stable_code():
    error = DocumentError("no_text", "未识别到文字", "No text found")
    assert str(error) == "No text found"
    assert error.as_dict() == {"code": "no_text", "message": "未识别到文字", "message_en": "No text found"}
