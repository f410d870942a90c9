"""CSV import: mapping, ids that never pass through floats, synthetic ids, nulls, broken rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.raw_pages import read_pages
from tweets_etl.collect.errors import ImportOptionError
from tweets_etl.collect.importers import ImportOptions, run_import
from tweets_etl.collect.importers.common import MAX_BIGINT, SYNTHETIC_ID_BASE


def import_csv(tmp_path: Path, content: bytes, name: str = "export.csv", **options) -> Dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "raw"
    summary = run_import(
        [str(source)], ImportOptions(format="csv", **options), out_dir=out, rejects_dir=tmp_path / "rejects"
    )
    (stats,) = summary.files
    pages = read_pages(out)
    return {
        "stats": stats,
        "pages": pages,
        "tweets": [t for p in pages for t in p["data"]],
        "summary": summary,
    }


def tweets_by_text(result) -> Dict[str, Dict[str, Any]]:
    return {t["text"]: t for t in result["tweets"]}


KAGGLE = (
    "\ufeffDate,Tweet,City,Country\r\n"
    '2023-02-24 07:25:16+00:00,"Line one\r\nline two #ChatGPT @OpenAI https://t.co/abc",Benoni,South Africa\r\n'
    "2023-02-24 05:54:58+00:00,Plain tweet,#N/A,Uganda\r\n"
    "2023-02-24 05:54:59+00:00,#N/A,Kampala,Uganda\r\n"
    "not a date,Some text,Kampala,Uganda\r\n"
    "2023-02-24 05:00:00+00:00,too,many,fields,here\r\n"
    "\r\n"
    "2023-02-23 23:00:00+00:00,NA,Lagos,Nigeria\r\n"
    "2023-02-23 22:00:00,No place,null,NULL\r\n"
).encode("utf-8")


def test_kaggle_layout_with_bom_crlf_multiline_nulls_and_broken_rows(tmp_path):
    result = import_csv(tmp_path, KAGGLE, preset="kaggle")
    stats = result["stats"]

    assert stats.rows_read == 7 and stats.blank_lines == 1
    assert stats.tweets_written == 3
    assert dict(stats.rejected) == {"missing_text": 2, "bad_created_at": 1, "wrong_field_count": 1}
    assert stats.samples["wrong_field_count"] == ["line 7"]
    assert stats.rows_read == stats.tweets_written + stats.rejected_total

    tweets = tweets_by_text(result)
    first = tweets["Line one\nline two #ChatGPT @OpenAI https://t.co/abc"]
    assert first["created_at"] == "2023-02-24T07:25:16.000Z"
    assert "author_id" not in first, "no user column: the pipeline maps it to the unknown user"
    assert first["entities"] == {
        "hashtags": [{"start": 18, "end": 26, "tag": "ChatGPT"}],
        "mentions": [{"start": 27, "end": 34, "username": "OpenAI"}],
        "urls": [{"start": 35, "end": 51, "url": "https://t.co/abc"}],
    }
    places = {p["id"]: p for page in result["pages"] for p in page["includes"].get("places", [])}
    assert places[first["geo"]["place_id"]] == {
        "id": first["geo"]["place_id"],
        "full_name": "Benoni, South Africa",
        "name": "Benoni",
        "place_type": "city",
        "country": "South Africa",
    }
    uganda = places[tweets["Plain tweet"]["geo"]["place_id"]]
    assert (uganda["full_name"], uganda["place_type"]) == ("Uganda", "country")
    assert "geo" not in tweets["No place"], "null and NULL cells are empty"
    assert tweets["No place"]["created_at"] == "2023-02-23T22:00:00.000Z"

    rejects = [json.loads(line) for line in result["summary"].rejects_file.read_text().splitlines()]
    assert {r["reason"] for r in rejects} == {"missing_text", "bad_created_at", "wrong_field_count"}
    assert rejects[0]["source"] == "export.csv"


def test_synthetic_ids_are_stable_in_their_own_range_and_follow_content(tmp_path):
    first = import_csv(tmp_path / "a", KAGGLE, preset="kaggle")
    again = import_csv(tmp_path / "b", KAGGLE, preset="kaggle")
    ids = [t["id"] for t in first["tweets"]]

    assert ids == [t["id"] for t in again["tweets"]]
    assert all(SYNTHETIC_ID_BASE <= int(i) <= MAX_BIGINT for i in ids)
    assert len(set(ids)) == len(ids) and first["stats"].synthetic_ids == 3
    changed = import_csv(tmp_path / "c", KAGGLE.replace(b"Plain tweet", b"Plain tweet!"), preset="kaggle")
    assert sorted(t["id"] for t in changed["tweets"]) != sorted(ids)


def test_a_refreshed_export_keeps_its_synthetic_ids(tmp_path):
    columns = "text=text,created_at=created_at,username=user,like_count=likes,user_location=location"
    first = (
        b"text,created_at,user,likes,location,City,Country\n"
        b"hello #ChatGPT,2023-01-01T10:00:00Z,alice,3,Paris,Paris,France\n"
        b"hello #ChatGPT,2023-01-01T10:00:00Z,bob,0,,,\n"
    )
    # A month later: more likes, alice moved, a column more (and mapped), the time written another way.
    later = (
        b"text,created_at,user,likes,location,City,Country,lang\n"
        b"hello #ChatGPT,2023-01-01 10:00:00+00:00,@Alice,250,Berlin,Berlin,Germany,en\n"
        b"hello #ChatGPT,2023-01-01 10:00:00+00:00,bob,12,Lagos,Lagos,Nigeria,en\n"
    )
    before = import_csv(tmp_path / "a", first, columns=columns + ",city=City,country=Country")
    after = import_csv(tmp_path / "b", later, columns=columns + ",city=City,country=Country,lang=lang")

    ids = [t["id"] for t in before["tweets"]]
    assert [t["id"] for t in after["tweets"]] == ids, "same text, time and author: same tweet"
    assert [t["public_metrics"]["like_count"] for t in after["tweets"]] == [250, 12]
    assert len(set(ids)) == 2, "the same text at the same second by two people is two tweets"
    assert all(SYNTHETIC_ID_BASE <= int(i) <= MAX_BIGINT for i in ids)
    other_time = import_csv(
        tmp_path / "c", first.replace(b"10:00:00Z,bob", b"10:00:01Z,bob"), columns=columns
    )
    moved = [t["id"] for t in other_time["tweets"]]
    assert moved[0] == ids[0] and moved[1] != ids[1], "a second later is another tweet"


ID_ROWS = (
    b"id,text,created_at,username,likes\n"
    b"1598014056947159040,exact id,2022-11-30T17:00:00Z,alice,7\n"
    b"1.59801405694716E+18,spoilt by a spreadsheet,2022-11-30T17:00:01Z,bob,1\n"
    b"1598014056947159041.0,float text,2022-11-30T17:00:02Z,bob,1\n"
    b"99999999999999999999,too big,2022-11-30T17:00:03Z,bob,1\n"
    b",no id,Wed Nov 30 17:00:04 +0000 2022,@carol,12k\n"
)


def test_ids_are_text_and_spoilt_ids_reject_their_row(tmp_path):
    result = import_csv(
        tmp_path, ID_ROWS, columns="id=id,text=text,created_at=created_at,username=username,like_count=likes"
    )
    stats = result["stats"]
    tweets = tweets_by_text(result)

    assert tweets["exact id"]["id"] == "1598014056947159040"
    assert tweets["exact id"]["public_metrics"] == {"like_count": 7}
    assert dict(stats.rejected) == {"id_in_scientific_notation": 1, "id_not_an_integer": 1, "bad_id": 1}
    no_id = tweets["no id"]
    assert int(no_id["id"]) >= SYNTHETIC_ID_BASE
    assert no_id["created_at"] == "2022-11-30T17:00:04.000Z"
    assert "public_metrics" not in no_id and stats.warnings["like_count_not_a_whole_number"] == 1
    users = {u["username"]: u for p in result["pages"] for u in p["includes"]["users"]}
    assert no_id["author_id"] == users["carol"]["id"] and int(users["carol"]["id"]) >= SYNTHETIC_ID_BASE
    assert tweets["exact id"]["author_id"] == users["alice"]["id"]


def test_unclosed_quote_swallows_into_one_rejected_row_not_a_crash(tmp_path):
    content = b'Date,Tweet,City,Country\n2023-01-01 00:00:00+00:00,fine,Paris,France\n2023-01-02 00:00:00+00:00,"never closed,Paris,France\n2023-01-03 00:00:00+00:00,lost,Rome,Italy\n'
    result = import_csv(tmp_path, content, preset="kaggle")

    assert result["stats"].tweets_written == 1
    assert dict(result["stats"].rejected) == {"wrong_field_count": 1}
    assert result["stats"].samples["wrong_field_count"] == ["lines 3-4"]


def test_pages_hold_at_most_100_tweets(tmp_path):
    rows = "".join(f"2023-01-01 00:00:{i % 60:02d}+00:00,tweet number {i},Paris,France\n" for i in range(250))
    result = import_csv(tmp_path, ("Date,Tweet,City,Country\n" + rows).encode(), preset="kaggle")

    assert [len(p["data"]) for p in result["pages"]] == [100, 100, 50]
    assert [p["meta"]["result_count"] for p in result["pages"]] == [100, 100, 50]
    assert all(p["__twarc"]["imported_from"] == "export.csv" for p in result["pages"])
    assert {p["__twarc"]["producer"] for p in result["pages"]} == {"tweets-etl import"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs a column mapping"),
        ({"preset": "nope"}, "unknown --preset 'nope'"),
        ({"columns": "text=Tweet"}, "must map created_at"),
        ({"columns": "text=Tweet,created_at=Date,favourites=Likes"}, "unknown target 'favourites'"),
        (
            {"columns": "text=Body,created_at=Date"},
            "has no column 'Body' (for text); its columns are: Date, Tweet",
        ),
    ],
)
def test_mapping_mistakes_are_one_sentence(tmp_path, options, message):
    content = b"Date,Tweet,City,Country\n2023-01-01 00:00:00+00:00,x,Paris,France\n"
    if "Body" in str(options):
        result = import_csv(tmp_path, content, **options)
        assert message in result["stats"].failed
        return
    with pytest.raises(ImportOptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_csv(tmp_path, content, **options)


def test_a_file_in_another_encoding_fails_with_a_hint(tmp_path):
    content = "Date,Tweet,City,Country\n2023-01-01 00:00:00+00:00,café,Paris,France\n".encode("latin-1")
    result = import_csv(tmp_path, content, preset="kaggle")
    assert "is not utf-8-sig text (byte 0xe9" in result["stats"].failed
    assert "--encoding" in result["stats"].failed
    ok = import_csv(tmp_path / "again", content, preset="kaggle", encoding="latin-1")
    assert [t["text"] for t in ok["tweets"]] == ["café"]


def test_a_file_failing_half_way_leaves_no_partial_raw_file(tmp_path):
    rows = "".join(f"2023-01-01 00:00:{i % 60:02d}+00:00,tweet {i},Paris,France\n" for i in range(1000))
    content = (
        "Date,Tweet,City,Country\n" + rows
    ).encode() + "2023-01-02 00:00:00+00:00,caf\xe9,Paris,France\n".encode("latin-1")
    result = import_csv(tmp_path, content, preset="kaggle")
    assert "is not utf-8-sig text" in result["stats"].failed
    assert result["pages"] == [] and list((tmp_path / "raw").iterdir()) == []
    assert result["stats"].tweets_written == 0
