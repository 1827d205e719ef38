"""Slugs: safe, unique file names for report targets."""

from __future__ import annotations

import re

import pytest

from kit.report.slugs import MAX_READABLE, slugify, target_slug

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$")


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("Acme Cloud", "acme-cloud"),
        ("../x", "x"),
        ("/etc/passwd", "etc-passwd"),
        ("..\\x", "x"),
        ("../../../../etc/shadow", "etc-shadow"),
        (".hidden", "hidden"),
        ("Société Générale", "societe-generale"),
        ("Ünïcödé GmbH", "unicode-gmbh"),
        ("日本電気", "company"),
        ("", "company"),
        ("   ", "company"),
        ("CON", "con"),
        ('x"; import os; os.system("touch pwned") #', "x-import-os-os-system-touch-pwned"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("a\x00b", "a-b"),
    ],
)
def test_slugify_is_safe_and_readable(name, readable):
    slug = slugify(name)
    assert SAFE.match(slug), slug
    assert slug.rsplit("-", 1)[0] == readable
    assert "/" not in slug and "\\" not in slug and ".." not in slug


@pytest.mark.parametrize("n", [61, 500, 10_000])
def test_long_names_are_cut_but_stay_unique(n):
    a, b = "a" * n, "a" * n + "b"
    sa, sb = slugify(a), slugify(b)
    assert len(sa) <= MAX_READABLE + 9
    assert sa != sb
    assert SAFE.match(sa)


def test_long_names_cut_at_a_word_boundary():
    slug = slugify("alpha beta " * 20)
    readable = slug.rsplit("-", 1)[0]
    assert len(readable) <= MAX_READABLE
    assert readable.split("-")[-1] in {"alpha", "beta"}


@pytest.mark.parametrize(
    "names",
    [
        ("ACME", "Acme", "acme"),
        ("a/b", "a b", "a-b", "a_b", "a.b"),
        ("Société", "Societe"),
        ("日本", "中国", ""),
    ],
)
def test_names_that_fold_alike_get_different_slugs(names):
    slugs = [slugify(n) for n in names]
    assert len(set(slugs)) == len(names)


def test_slug_is_stable():
    assert slugify("Acme Cloud") == slugify("Acme Cloud")


def test_market_and_company_of_the_same_name_differ():
    assert slugify("Remote", kind="market") != slugify("Remote")
    assert slugify("Remote", kind="market").startswith("market-remote-")


@pytest.mark.parametrize(
    ("company", "market", "prefix"),
    [
        ("Acme", "", "acme-"),
        ("", "SF Bay Area", "market-sf-bay-area-"),
        ("Acme", "SF Bay Area", "acme-market-sf-bay-area-"),
        ("", "", "all-"),
    ],
)
def test_target_slug(company, market, prefix):
    slug = target_slug(company, market)
    assert slug.startswith(prefix)
    assert SAFE.match(slug)


def test_target_pairs_do_not_collide():
    assert target_slug("a b", "c") != target_slug("a", "b c")
