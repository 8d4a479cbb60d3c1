"""lookup_key's fast path for already-canonical numbers gives exactly the key the full
parse would: a stored key computed one way must be found when queried the other."""
from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.identifiers import IdentifierError, _ALREADY_CANONICAL, _fold, identify, lookup_key
from verifiers.identifiers.regions import LOCAL_PREFIXES, PROVINCES

PREFIXES = sorted({lp.prefix for lp in LOCAL_PREFIXES} | {p.abbreviation for p in PROVINCES} |
                  {a for p in PROVINCES for a in p.alternates} | {"国"})
digits = st.integers(min_value=0, max_value=9)


def slow_key(text: str) -> str:
    key = _fold(text).rstrip("号")
    try:
        return identify(key).number.rstrip("号")
    except IdentifierError:
        return key


numbers = st.one_of(
    st.builds(lambda p, f, y, c, cat, s: f"{p}械注{f}{y}{c}{cat:02d}{s:04d}", st.sampled_from(PREFIXES),
              st.sampled_from("准进许"), st.integers(1990, 2035), st.sampled_from("123"), st.integers(0, 99),
              st.integers(0, 9999)),
    st.builds(lambda p, y, s: f"{p}械备{y}{s:04d}号", st.sampled_from(PREFIXES), st.integers(1990, 2035),
              st.integers(0, 9999)),
    st.builds(lambda p, food, kind, y, s: f"{p}{food}药监械{kind}{y}{s}号", st.sampled_from(PREFIXES),
              st.sampled_from(["", "食"]), st.sampled_from(["经营许", "经营备", "生产许", "生产备"]),
              st.integers(2000, 2030), st.from_regex(r"[0-9A-Z]{4}", fullmatch=True)),
)


@settings(max_examples=400, deadline=None)
@given(numbers)
def test_fast_path_equals_full_parse(number):
    key = _fold(number).rstrip("号")
    assert _ALREADY_CANONICAL.match(key)
    assert lookup_key(number) == slow_key(number)


def test_variants_still_take_the_full_parse():
    assert lookup_key("粤械备（2014）0023") == lookup_key("粤械备20140023号")
    assert lookup_key("京网械平台备字2018第00005号") == lookup_key("（京）网械平台备字（2018）第00005号")
