"""Property tests: the codec never crashes, round trips are exact, fast and slow checks agree."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kaigo_kiban.careplan.codec.checks import Expect, check_record, fast_regex
from kaigo_kiban.careplan.codec.formats import QUOTING_STYLES, read_careplan
from kaigo_kiban.careplan.codec.jsonform import from_json, to_json
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.codec.tokenizer import needs_quotes, render, tokenize
from kaigo_kiban.core.errors import FieldError, FileRejected
from tests.careplan.careplan_samples import MONTH, SENDER, name_for, sample_value, valid_rows

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLAN_LINE = render(
    [valid_rows("UPPLAN")[0][c.name] for c in LAYOUTS["UPPLAN"].columns],
    [c.kind.value == "text" for c in LAYOUTS["UPPLAN"].columns],
).encode("cp932")
FRAGMENTS = [
    PLAN_LINE,
    b"202407",
    b"202410",
    b"131016",
    b"0000000001",
    b"20250230",
    b",",
    b'"',
    b'""',
    b"\r\n",
    b"\n",
    b"\r",
    b"\x81",
    b"\x82\xa0",
    b"\xfa\x5c",
    b"\xed\x40",
    b"\xff",
    b"\x00",
    "漢字".encode("cp932"),
]
NAMES = st.sampled_from(
    [None, "junk.txt", *(str(name_for(rt)) for rt in ("UPPLAN", "UPHOSOKU", "UPSIKYU", "UPKIHON"))]
)
SPECIAL = st.sampled_from(
    [",", '"', "\r\n", "\n", "\r", " ", "あ", "漢", "ｱ", "①", "ⅰ", "纊", "0", "9"]
)
UNSTABLE = "¢£¬‖−〜"  # CP932 writes them as ￠￡￢∥－～ (from_json refuses them)
CHARS = st.characters(codec="cp932", exclude_characters=UNSTABLE)
TEXT = st.lists(st.one_of(SPECIAL, CHARS), max_size=8).map("".join)
EOLS = st.sampled_from(["\r\n", "\n", "\r"])


@SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(b"".join),
    ),
    name=NAMES,
)
def test_decoder_raises_nothing_but_validation_errors_on_arbitrary_bytes(data, name):
    parsed = read_careplan(data, name)

    for error in parsed.errors + parsed.warnings:
        assert isinstance(error, FieldError)
        assert error.code.startswith("CP-") and error.message
        assert error.line >= 0 and error.column >= 0
    assert parsed.to_bytes() == data
    assert b"".join(r.encode() for r in parsed.records) == data
    try:
        doc = to_json(parsed)
    except FileRejected as rejected:
        assert all(e.code.startswith("CP-") for e in rejected.errors)
    else:
        assert from_json(doc)[1].decode("cp932") == data.decode("cp932")


@st.composite
def csv_files(draw):
    """A tokenizable file of some record type: valid or random cells, mixed quoting and eols."""
    record_type = draw(st.sampled_from(list(LAYOUTS)))
    layout = LAYOUTS[record_type]
    lines = []
    base = [sample_value(layout, c) for c in layout.columns]
    for _ in range(draw(st.integers(0, 4))):
        width = draw(st.sampled_from([layout.width] * 6 + [1, layout.width + 1]))
        cells = [*base, ""][:width]
        for i in draw(st.lists(st.integers(0, width - 1), max_size=6)):
            cells[i] = draw(st.one_of(st.just(""), TEXT))
        style = draw(st.sampled_from([*QUOTING_STYLES, "random"]))
        if style == "random":
            quoted = draw(st.lists(st.booleans(), min_size=width, max_size=width))
        else:
            quoted = [style == "all" or (style != "minimal" and bool(v)) for v in cells]
        lines.append(render(cells, quoted) + draw(EOLS))
    if lines and draw(st.booleans()):
        lines[-1] = lines[-1].rstrip("\r\n") or lines[-1]
    return record_type, len(lines), "".join(lines).encode("cp932")


@SETTINGS
@given(csv_files())
def test_csv_to_json_to_csv_gives_identical_bytes(generated):
    record_type, count, data = generated
    parsed = read_careplan(data, str(name_for(record_type)))
    assume(parsed.record_count == count)  # e.g. an empty CR line merged with a following LF

    doc = to_json(parsed)
    name, back = from_json(doc)

    assert back == data
    assert str(name) == str(name_for(record_type))
    again = to_json(read_careplan(back, str(name)))
    assert again == doc  # JSON -> CSV -> JSON is the identity on the canonical form


@st.composite
def json_documents(draw):
    """JSON documents as a user might write them: any values, styles and exceptions."""
    record_type = draw(st.sampled_from(list(LAYOUTS)))
    layout = LAYOUTS[record_type]
    records = []
    for _ in range(draw(st.integers(1, 3))):
        record = {c.name: sample_value(layout, c) for c in layout.columns}
        for i in draw(st.lists(st.integers(0, layout.width - 1), max_size=6)):
            record[layout.columns[i].name] = draw(st.one_of(st.none(), TEXT))
        if draw(st.booleans()):
            record["_quoted"] = draw(
                st.lists(st.integers(1, layout.width), unique=True, max_size=4)
            )
        if draw(st.booleans()):
            record["_eol"] = draw(st.sampled_from(["CRLF", "LF", "CR"]))
        records.append(record)
    name = name_for(record_type)
    return {
        "format": "kaigo-kiban/careplan-json",
        "format_version": 1,
        "standard_version": "202407",
        "record_type": record_type,
        "file": {
            "target_month": name.target_month,
            "sender": {"office_no": name.sender_office_no, "service_type": "43"},
            "receiver": {"office_no": name.receiver_office_no, "service_type": "11"},
            "created_at": name.created_at,
            "extension": ".CSV",
        },
        "style": {
            "line_ending": draw(st.sampled_from(["CRLF", "LF", "CR"])),
            "quoting": draw(st.sampled_from(QUOTING_STYLES)),
            "final_line_ending": draw(st.booleans()),
        },
        "records": records,
    }


def _values(doc):
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in doc["records"]]


@SETTINGS
@given(json_documents())
def test_json_to_csv_to_json_keeps_every_value_and_is_stable(doc):
    name, data = from_json(doc)
    parsed = read_careplan(data, str(name))
    assume(parsed.record_count == len(doc["records"]))
    canonical = to_json(parsed)

    def normal(values):
        return [{k: (v or None) for k, v in r.items()} for r in values]

    assert normal(_values(canonical)) == normal(_values(doc))
    assert canonical["file"] == doc["file"]
    assert to_json(read_careplan(from_json(canonical)[1], str(name))) == canonical


@SETTINGS
@given(cells=st.lists(TEXT, min_size=1, max_size=6), data=st.data())
def test_tokenizer_reads_back_what_render_writes(cells, data):
    quoted = data.draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    assume(not (len(cells) == 1 and cells[0] == "" and not quoted[0]))
    text = render(cells, quoted)
    back, back_quoted, problems = tokenize(text)
    assert (back, problems) == (cells, [])
    assert back_quoted == [q or needs_quotes(v) for q, v in zip(quoted, cells, strict=True)]


MUTATIONS = st.sampled_from(
    ["", "0", "1", "12", "２", "20250230", "20250512", "20240229", "202505", "202506", "2400", "9999",
     "H123456789", "123456789", "1310000001", "1310000002", "171001", "671001", "114845", "999999",
     "00170-000001", "TD-1", "a,b", 'a"b', "あ", "11.40", "100.00", "1" * 31]
)  # fmt: skip


@SETTINGS
@given(
    record_type=st.sampled_from(
        ["UPPLAN", "UPJSK", "UPSIKYU", "UP1KYO", "UP2KYO", "DLTJSK", "UPYOBO_SUB"]
    ),
    data=st.data(),
)
def test_a_fast_path_match_means_the_cell_checks_find_nothing(record_type, data):
    layout = LAYOUTS[record_type]
    expect = Expect("202407", MONTH, True, SENDER, True, "43")
    fast = fast_regex(layout, expect)
    assert fast is not None
    row = valid_rows(record_type)[0]
    cells = [row[c.name] for c in layout.columns]
    assert fast.fullmatch(render(cells, [c.kind.value == "text" for c in layout.columns]))
    for i in data.draw(st.lists(st.integers(0, layout.width - 1), max_size=4)):
        cells[i] = data.draw(st.one_of(MUTATIONS, TEXT))
    quoted = data.draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    line = render(cells, quoted)

    if fast.fullmatch(line):
        got, _, problems = tokenize(line)
        assert problems == [] and got == cells
        assert check_record(layout, cells, line=1, file=None, expect=expect) == []
