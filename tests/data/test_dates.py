"""Date-normalisation data: every format writes the right date, splits are disjoint, seeded."""

import datetime as dt

import pytest

from torchdojo.data import dates
from torchdojo.errors import DojoError

# strptime patterns for the formats that have one (the rest are checked by their numbers)
PATTERNS = {0: "%d %B %Y", 1: "%B %d, %Y", 2: "%d %b %Y", 3: "%b %d %Y", 4: "%A, %B %d, %Y",
            5: "%a %d %b %Y", 8: "%d.%m.%Y", 9: "%d.%m.%Y", 10: "%Y/%m/%d", 11: "%d-%b-%Y",
            12: "%B %d %Y", 13: "%d %B %Y", 14: "%b %d %Y"}


@pytest.mark.parametrize("day", [dt.date(1950, 1, 1), dt.date(1987, 3, 3), dt.date(2000, 2, 29),
                                 dt.date(2013, 11, 12), dt.date(2049, 12, 31)])
def test_every_written_format_means_the_same_date(day):
    for fmt in range(dates.N_FORMATS):
        text = dates.write_date(day, fmt)
        if fmt in PATTERNS:
            assert dt.datetime.strptime(text.title(), PATTERNS[fmt]).date() == day, text
        else:  # ordinal forms: "the 3rd of March 1987", "March 3rd, 1987"
            assert day.strftime("%B") in text and str(day.year) in text
            assert dates._ordinal(day.day) in text
    assert dates.iso(day) == f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def test_ordinals():
    assert [dates._ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_split_is_disjoint_and_seeded():
    data = dates.load_dates(3000, 300, seed=1)
    train_dates = {t for _, t in data.train_text}
    test_dates = {t for _, t in data.test_text}
    assert not train_dates & test_dates
    assert len(test_dates) == 300  # one pair per test date
    again = dates.load_dates(3000, 300, seed=1)
    assert again.train_text == data.train_text and (again.train_src == data.train_src).all()
    assert dates.load_dates(3000, 300, seed=2).train_text != data.train_text
    assert len(data.train_text) == 2700 and len(data.val_text) == 300  # a tenth held out
    assert len({s for s, _ in data.train_text}) > 2600  # many distinct written forms
    val_dates = {t for _, t in data.val_text}
    assert not val_dates & test_dates and not val_dates & train_dates  # each date in one split
    assert data.val_src.shape == (300, data.train_src.shape[1])


def test_tensors_encode_the_pairs():
    data = dates.load_dates(500, 50, seed=0)
    assert data.train_tgt.shape == (450, dates.ISO_LEN + 2)  # 50 held out for validation
    assert (data.train_tgt[:, 0] == dates.BOS).all() and (data.train_tgt[:, -1] == dates.EOS).all()
    for i in (0, 17, 449):
        written, target = data.train_text[i]
        assert data.src_vocab.decode(data.train_src[i]) == written
        assert data.tgt_vocab.decode(data.train_tgt[i]) == target
        length = len(written) + 1
        assert data.train_src[i, length - 1] == dates.EOS
        assert (data.train_src[i, length:] == dates.PAD).all()


def test_impossible_sizes_are_user_errors():
    with pytest.raises(DojoError):
        dates.load_dates(100, 20_000)
    with pytest.raises(DojoError):
        dates.load_dates(0, 10)
