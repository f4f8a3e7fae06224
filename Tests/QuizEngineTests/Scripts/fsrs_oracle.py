"""The reference side of the memory model's oracle test.

Reads review sequences as JSON from the file named by its one argument, runs each through the
`fsrs` package (the reference implementation of FSRS-6) with the scheduler the engine matches,
and prints one JSON object: for every sequence, the state after every review.

Input: {"sequences": [{"desiredRetention": 0.9, "reviews": [{"rating": 3, "at": <epoch ms>}, ...]}]}
Output: {"fsrs": "6.3.2", "results": [[{"stability": s, "difficulty": d, "due": <epoch ms>,
         "lastReview": <epoch ms>}, ...], ...]}

Exits with status 1 and a message on standard error when the package is missing or not 6.3.2:
the test must fail then, never skip.
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from importlib import metadata

EXPECTED_VERSION = "6.3.2"

try:
    version = metadata.version("fsrs")
except metadata.PackageNotFoundError:
    sys.exit(f"the fsrs package is not installed (make deps installs fsrs=={EXPECTED_VERSION})")
if version != EXPECTED_VERSION:
    sys.exit(f"fsrs {version} is installed, the oracle needs {EXPECTED_VERSION} (make deps installs it)")

from fsrs import Card, Rating, Scheduler  # noqa: E402  (after the version check, on purpose)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_datetime(milliseconds):
    # Exact: a timedelta of whole milliseconds, no float seconds in between.
    return EPOCH + timedelta(milliseconds=milliseconds)


def to_milliseconds(moment):
    return (moment - EPOCH) // timedelta(milliseconds=1)


def run(sequence):
    scheduler = Scheduler(
        desired_retention=sequence["desiredRetention"],
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )
    card = Card(card_id=1, due=to_datetime(sequence["reviews"][0]["at"]))
    states = []
    for review in sequence["reviews"]:
        card, _ = scheduler.review_card(card, Rating(review["rating"]), to_datetime(review["at"]))
        states.append(
            {
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": to_milliseconds(card.due),
                "lastReview": to_milliseconds(card.last_review),
            }
        )
    return states


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fsrs_oracle.py SEQUENCES.json")
    with open(sys.argv[1], encoding="utf-8") as source:
        sequences = json.load(source)["sequences"]
    json.dump({"fsrs": version, "results": [run(sequence) for sequence in sequences]}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
