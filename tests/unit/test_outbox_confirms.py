"""The relay's bookkeeping of publisher confirms (shared.outbox._Confirms), without a broker."""

from __future__ import annotations

from shared.outbox import _Confirms


def _published(confirms: _Confirms, n: int) -> list[int]:
    return [confirms.published() for _ in range(n)]


def test_tags_count_the_channels_publishes_across_batches() -> None:
    confirms = _Confirms()
    assert _published(confirms, 3) == [1, 2, 3]
    confirms.ack(3, multiple=True)
    assert _published(confirms, 2) == [4, 5]


def test_a_multiple_ack_confirms_every_open_tag_up_to_it() -> None:
    confirms = _Confirms()
    tags = _published(confirms, 5)
    confirms.ack(3, multiple=True)
    assert confirms.confirmed_prefix(tags) == 3
    assert list(confirms.waiting) == [4, 5]
    confirms.ack(5)
    assert confirms.confirmed_prefix(tags) == 3  # 4 still open: 5 waits behind it
    confirms.ack(4)
    assert confirms.confirmed_prefix(tags) == 5 and not confirms.waiting


def test_rows_behind_a_nack_are_not_counted_even_if_acked() -> None:
    confirms = _Confirms()
    tags = _published(confirms, 4)
    confirms.ack(1)
    confirms.nack(2)
    confirms.ack(4, multiple=True)  # 3 and 4
    assert confirms.confirmed_prefix(tags) == 1
    assert confirms.answers == {1: True, 2: False, 3: True, 4: True}


def test_a_multiple_nack_refuses_every_open_tag_up_to_it() -> None:
    confirms = _Confirms()
    tags = _published(confirms, 3)
    confirms.nack(3, multiple=True)
    assert confirms.confirmed_prefix(tags) == 0
    assert set(confirms.answers.values()) == {False} and not confirms.waiting


def test_answers_for_unknown_or_answered_tags_change_nothing() -> None:
    confirms = _Confirms()
    tags = _published(confirms, 2)
    confirms.ack(1)
    confirms.nack(1)  # already answered
    confirms.ack(7)  # never published here
    assert confirms.answers == {1: True} and list(confirms.waiting) == [2]
    assert confirms.confirmed_prefix(tags) == 1
