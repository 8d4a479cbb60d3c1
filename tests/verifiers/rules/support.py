"""An in-memory registry (the Registry interface over dicts) and facts for rule tests."""
from datetime import date

from verifiers.identifiers import lookup_key
from verifiers.registry.records import Found, device_from_mapping, enterprise_from_mapping
from verifiers.rules.facts import DocumentFacts, Policy

TODAY = date(2026, 11, 23)
POLICY = Policy(today=TODAY)
USCC = "9144030071526726XG"  # 深圳示例医疗器械有限公司
NAME = "深圳示例医疗器械有限公司"
REGISTRANT_USCC = "91340111MA8P9K0G9N"


class MemoryRegistry:
    def __init__(self, devices=(), enterprises=(), version="snap_test"):
        self._version = version
        self.devices = {lookup_key(d["number"]): device_from_mapping(d) for d in devices}
        self.enterprises = {lookup_key(e["number"]): enterprise_from_mapping(e) for e in enterprises}

    def version(self):
        return self._version

    def device(self, number):
        record = self.devices.get(lookup_key(number))
        return Found(record, self._version) if record else None

    def enterprise(self, number):
        record = self.enterprises.get(lookup_key(number))
        return Found(record, self._version) if record else None

    def enterprises_for_uscc(self, uscc):
        return tuple(Found(r, self._version) for r in self.enterprises.values() if r.uscc == uscc)

    def devices_for_registrant(self, uscc):
        return tuple(Found(r, self._version) for r in self.devices.values() if r.registrant_uscc == uscc)


def licence(**overrides):
    row = {"number": "粤深药监械经营许20230001号", "kind": "device_business_licence", "holder": NAME, "uscc": USCC,
           "region": "440305", "scope": [{"class": 3, "category": "14"}, {"class": 2, "category": "07"}],
           "issued_on": "2023-01-10", "valid_until": "2028-01-09", "issuer": "深圳市市场监督管理局",
           "status": "active", "address": "深圳市南山区示例路1号"}
    row.update(overrides)
    return row


def online_filing(**overrides):
    row = licence(number="粤深械网备202301100001", kind="online_sales_filing", scope=[], valid_until=None)
    row.update(overrides)
    return row


def device(**overrides):
    row = {"number": "国械注准20203140456", "kind": "registration", "class": 3, "product_name": "一次性使用无菌注射器",
           "registrant": "示例医疗器械制造有限公司", "registrant_uscc": REGISTRANT_USCC, "models": ["1ml", "5ml"],
           "category_code": "14", "approved_on": "2020-05-06", "valid_until": "2030-05-05", "status": "active",
           "issuer": "国家药品监督管理局"}
    row.update(overrides)
    return row


def field(value, confidence=0.99, valid=True, raw=None):
    return {"value": value, "confidence": confidence, "valid": valid, "raw": raw or value, "page": 1,
            "box": [10, 10, 100, 30]}


def business_licence_doc(doc_id="doc_bl", **fields):
    values = {"name": field(NAME), "uscc": field(USCC), "legal_representative": field("张三"),
              "address": field("深圳市南山区示例路1号"), "valid_until": field(None)}
    values.update(fields)
    return DocumentFacts(id=doc_id, status="processed", type="business_licence", fields=values, sha256="a" * 64)


def device_licence_doc(doc_id="doc_dl", **fields):
    values = {"number": field("粤深药监械经营许20230001号"), "name": field(NAME), "uscc": field(USCC),
              "valid_until": field("2028-01-09"), "scope": field([{"class": 3, "category": "14"}])}
    values.update(fields)
    return DocumentFacts(id=doc_id, status="processed", type="device_business_licence", fields=values,
                         sha256="b" * 64)
