"""Seeded generator of synthetic posting, pay and level tables (the bundled sample, benchmark corpora).

Everything it writes is invented: fictional companies, template sentences from
``kit/data/synthetic.yaml``, pay from reference bands. The same seed and options give
byte-identical CSV text on every machine (numpy ``Generator`` streams, no wall-clock input, gzip
written with ``mtime=0``).

Postings are made in chunks of :data:`CHUNK_SIZE` rows, each from its own seeded stream, so a
corpus of a million postings streams to gzip in bounded memory and ``generate_postings(n)`` equals
the file ``write_corpus`` writes for the same ``n``.

Columns of the postings table: the raw canonical columns (``kit.core.schema.POSTINGS_RAW``) that a
scraper would give -- ``market`` and ``country`` left empty for the loader to derive -- plus
``synthetic_role``, the generator's ground truth (pmt / tpm / pm / pgm / other; an executive title over a bare
product / program area, "VP, Product" or "Head of Program Management", is ``other``: ``executive_truth`` in
kit/data/synthetic.yaml).

Run ``python -m kit.sample.synthetic --out DIR`` or ``kit generate --out DIR`` to write a corpus.
"""

from __future__ import annotations

import bisect
import gzip
import io
import math
import os
import zlib
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.datafiles import read_yaml
from kit.core.errors import KitError
from kit.core.files import atomic_write
from kit.core.paths import DATA_DIR, DATASETS_DIR
from kit.core.schema import LADDER

__all__ = [
    "CHUNK_SIZE",
    "POSTINGS_FILE",
    "SAMPLE_OPTIONS",
    "generate_levels",
    "generate_pay",
    "generate_postings",
    "iter_postings",
    "load_templates",
    "write_corpus",
]

TEMPLATES = DATA_DIR / "synthetic.yaml"
#: Rows per independently seeded chunk of postings.
CHUNK_SIZE = 25_000
#: Options that produced the bundled sample in ``datasets/`` (see datasets/README.md).
SAMPLE_OPTIONS = {"n_postings": 3600, "n_companies": 18, "seed": 7}
POSTINGS_FILE, PAY_FILE, LEVELS_FILE = "postings.csv.gz", "pay.csv", "levels.csv"

FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2026, 10, 31)
#: Posting volume grows over time: density proportional to ``1 + GROWTH * t``, t in [0, 1].
GROWTH = 2.0
#: Share of rows that copy an earlier posting (a repost or the same text in another location).
DUPLICATE_SHARE = 0.08
#: Share of postings in HTML and in markdown; the rest is plain text.
HTML_SHARE, MARKDOWN_SHARE = 0.20, 0.15
TYPO_SHARE = 0.05
#: Share of postings that state a range only in the description text.
TEXT_SALARY_SHARE = 0.12

LADDER_STEPS = ("entry", "mid", "senior", "staff", "principal", "director", "vp")
_LADDER_RANK = {step: LADDER.index(step) for step in LADDER_STEPS}
_YEARS = {"entry": (1, 2), "mid": (2, 4), "senior": (5, 6), "staff": (7, 8), "principal": (8, 10),
          "director": (10, 12), "vp": (12, 15)}
_SYMBOL = {"USD": "$", "GBP": "£", "EUR": "€", "INR": "₹", "CAD": "CA$", "SGD": "S$"}
_STOCK_BY_STEP = {"entry": 0.4, "mid": 0.6, "senior": 1.0, "staff": 1.4, "principal": 1.8, "director": 2.2, "vp": 3.0}
_TECH_KINDS = {"pmt", "pm_tech", "tpm", "pgm_tech"}
_REPORTS = {"pmt": "product managers", "pm": "product managers", "tpm": "technical program managers",
            "pgm": "program managers"}
_POSTING_COLUMNS = ["posting_id", "company", "title", "description", "location", "market", "country", "posted_date",
                    "source", "url", "remote", "salary_min", "salary_max", "salary_currency", "synthetic_role"]
PAY_OUT_COLUMNS = ["company", "title", "level", "base", "stock", "bonus", "total", "currency", "location", "year",
                   "source", "n"]
LEVELS_OUT_COLUMNS = ["company", "family", "level", "ladder", "ladder_rank", "track", "note"]


# --------------------------------------------------------------------------------------------- templates

def load_templates(path: str | os.PathLike | None = None) -> dict:
    """Read the generator's templates (companies, markets, titles, sentence banks, pay bands).

    Args:
        path: A YAML file in the layout of ``kit/data/synthetic.yaml`` (the default).

    Returns:
        The parsed mapping.

    Raises:
        DataError: The file is missing or not valid YAML.
    """
    return read_yaml(path or TEMPLATES, what="generator templates")


class _Weighted:
    """Keys with cumulative weights, for inverse-CDF picks from uniform draws."""

    __slots__ = ("keys", "cum")

    def __init__(self, mapping: dict):
        self.keys = list(mapping)
        total, cum = 0.0, []
        for w in mapping.values():
            total += float(w)
            cum.append(total)
        self.cum = [c / total for c in cum]

    def pick(self, u: float):
        return self.keys[min(bisect.bisect_right(self.cum, u), len(self.keys) - 1)]


class _Stream:
    """Uniform numbers drawn from a numpy Generator in blocks (fast scalar draws, same sequence per seed)."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16):
        def numbers() -> Iterator[float]:
            while True:
                yield from rng.random(block).tolist()

        #: The next uniform number in [0, 1).
        self.u = numbers().__next__

    def pick(self, seq: Sequence):
        return seq[int(self.u() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.u() < p

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + int(self.u() * (hi - lo + 1))

    def normal(self, sd: float) -> float:
        """An approximately normal draw (sum of 4 uniforms, scaled to ``sd``)."""
        return (self.u() + self.u() + self.u() + self.u() - 2.0) * sd * math.sqrt(3.0)


class _Company:
    __slots__ = ("short", "names", "weight", "industry", "product", "teams", "markets", "levels", "product_share",
                 "program_share", "tech", "tpm_launch", "pay_pattern", "pay_gap", "stock", "bonus", "slug",
                 "pay_level")


def _slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _invented(tpl: dict, k: int, seed: int) -> list[dict]:
    """``k`` invented company specs beyond the named ones (names from ``extra_names``)."""
    rng = _Stream(np.random.default_rng([seed, 1]))
    extra = tpl["extra_names"]
    first, second = extra["first"], extra["second"]
    suffixes = _Weighted(extra["suffixes"])
    seen = {c["short"] for c in tpl["companies"]}
    specs: list[dict] = []
    i = 0
    while len(specs) < k:
        name = f"{first[i % len(first)]} {second[(i // len(first) + i) % len(second)]}"
        if i >= len(first) * len(second):
            name = f"{name} {i // (len(first) * len(second)) + 1}"
        i += 1
        if name in seen:
            continue
        seen.add(name)
        suffix = suffixes.pick(rng.u())
        spec = {"short": name, "weight": round(math.exp(rng.normal(0.8)), 2), "industry": "software",
                "product": f"{name}'s products", "teams": ["Platform", "Core Product", "Data", "Mobile"]}
        if suffix:
            spec["names"] = {name + suffix: 4, name: 1}
        specs.append(spec)
    return specs


def _company(tpl: dict, spec: dict, seed: int) -> _Company:
    """A company from its template entry; missing style fields drawn from a stream seeded by its name."""
    rng = _Stream(np.random.default_rng([seed, 1, zlib.crc32(spec["short"].encode())]), block=16)
    draws = [rng.u() for _ in range(8)]
    c = _Company()
    c.short = spec["short"]
    c.names = _Weighted(spec.get("names") or {c.short: 1})
    c.weight = float(spec.get("weight", 1.0))
    c.industry = spec.get("industry", "software")
    c.product = spec.get("product", f"{c.short}'s products")
    c.teams = list(spec.get("teams") or ["Platform"])
    if "markets" in spec:
        c.markets = _Weighted(spec["markets"])
    else:  # 2-4 markets, the first weighted most
        markets = list(tpl["markets"])
        picks: list[str] = []
        for _ in range(rng.between(2, 4)):
            m = rng.pick(markets)
            if m not in picks:
                picks.append(m)
        c.markets = _Weighted({m: 3 if j == 0 else 1 for j, m in enumerate(picks)})
    c.levels = spec.get("levels") or list(tpl["levels"])[int(draws[0] * len(tpl["levels"]))]
    c.product_share = float(spec.get("product_share", 0.62 + 0.2 * draws[1]))
    c.program_share = float(spec.get("program_share", 0.62 + 0.2 * draws[2]))
    c.tech = float(spec.get("tech", 0.4 + 0.5 * draws[3]))
    c.tpm_launch = bool(spec.get("tpm_launch", draws[4] < 0.4))
    c.pay_pattern = spec.get("pay_pattern") or ["same", "same", "tpm_more", "pmt_more"][int(draws[5] * 4)]
    c.pay_gap = float(spec.get("pay_gap", 0.0 if c.pay_pattern == "same" else 0.07 + 0.05 * draws[6]))
    c.stock = float(spec.get("stock", 0.3 * draws[7]))
    c.bonus = float(spec.get("bonus", 0.15 * rng.u()))
    # a company-wide pay level, stable per name (not per seed) so every table agrees on it
    c.pay_level = 0.92 + 0.16 * (zlib.crc32(c.short.encode()) % 1000) / 1000
    c.slug = _slug(c.short)
    return c


def _companies(tpl: dict, n_companies: int, seed: int) -> list[_Company]:
    """The first ``n_companies`` companies: the named ones in the templates, then invented names."""
    specs = list(tpl["companies"])
    if n_companies > len(specs):
        specs += _invented(tpl, n_companies - len(specs), seed)
    return [_company(tpl, spec, seed) for spec in specs[:n_companies]]


def _role_factor(c: _Company, role: str, step: str) -> float:
    """Pay multiplier of PM-T vs TPM at a company: its pattern, fading out at director and above."""
    fade = {"principal": 0.5, "director": 0.0, "vp": 0.0}.get(step, 1.0)
    if c.pay_pattern == "tpm_more" and role == "tpm":
        return 1.0 + c.pay_gap * fade
    if c.pay_pattern == "pmt_more" and role == "pmt":
        return 1.0 + c.pay_gap * fade
    return 1.0


def _round_pay(x: float, currency: str) -> int:
    unit = 10_000 if currency == "INR" else 1_000
    return int(round(x / unit)) * unit


# --------------------------------------------------------------------------------------------- postings

class _PostingMaker:
    """Builds one posting at a time from the templates and a uniform stream."""

    def __init__(self, tpl: dict, companies: list[_Company]):
        self.tpl = tpl
        self.companies = companies
        self.company_pick = _Weighted({i: c.weight for i, c in enumerate(companies)})
        self.markets = tpl["markets"]
        self.locations = {m: _Weighted(spec["locations"]) for m, spec in self.markets.items()}
        self.kinds = tpl["roles"]
        self.titles = {k: dict(v) for k, v in tpl["titles"].items()}
        self.seniority = _Weighted({step: spec[0] for step, spec in tpl["seniority"].items()})
        self.banks = tpl["banks"]
        self.pay = tpl["pay"]
        self.deco = tpl["decorations"]
        self.typos = list(tpl["typos"].items())
        self.levels = tpl["levels"]
        self.span = (LAST_DAY - FIRST_DAY).days
        self._kind_tables: dict[str, _Weighted] = {}
        self._title_tables: dict[tuple[str, int], _Weighted] = {}

    # -- pieces

    def _date(self, s: _Stream) -> tuple[date, float]:
        u = s.u()
        t = (-1.0 + math.sqrt(1.0 + 2.0 * GROWTH * u * (1.0 + GROWTH / 2.0))) / GROWTH
        return FIRST_DAY + timedelta(days=int(t * self.span)), t

    def _kind(self, s: _Stream, c: _Company) -> str:
        """Role kind; technical companies post more PM-T / TPM and fewer plain PM / program roles."""
        table = self._kind_tables.get(c.short)
        if table is None:
            weights = {}
            for kind, spec in self.kinds.items():
                w = float(spec["share"])
                if spec["role"] in ("pmt", "tpm"):
                    w *= 0.5 + c.tech
                elif spec["role"] in ("pm", "pgm"):
                    w *= 1.5 - c.tech
                weights[kind] = w
            table = self._kind_tables[c.short] = _Weighted(weights)
        return table.pick(s.u())

    def _level_code(self, c: _Company, step: str) -> str | None:
        scheme = self.levels[c.levels]
        return scheme["ic"].get(step) or scheme["manager"].get(step)

    def _title(self, s: _Stream, c: _Company, kind: str, step: str, t: float, market: str,
               team: str) -> tuple[str, str, str]:
        """The title without and with decorations (team, level code, requisition number), and its true role.

        The true role is the kind's, except for an executive title over a bare product / program area
        (``executive_truth`` in the templates).
        """
        truth = self.kinds[kind]["role"]
        key = self.kinds[kind]["titles"]
        bucket = min(19, int(t * 20))  # AI/ML titles grow over time: weight x (0.2 + 2.5 t), t in 20 steps
        table = self._title_tables.get((key, bucket))
        if table is None:
            variants = dict(self.titles[key])
            if "AI/ML Product Manager" in variants:
                variants["AI/ML Product Manager"] *= 0.2 + 2.5 * (bucket + 0.5) / 20
            table = self._title_tables[(key, bucket)] = _Weighted(variants)
        variant = table.pick(s.u())
        pattern = s.pick(self.tpl["seniority"][step][1])
        if "{area}" in pattern:
            area = s.pick(self.tpl["director_area"][key])
            title = pattern.format(area=area)
            executive = self.tpl.get("executive_truth")
            if executive and pattern in executive["patterns"] and area in executive["areas"]:
                truth = executive["role"]
        elif pattern.startswith("{t} ") and ", " in variant:  # "Product Manager II, Technical"
            head, tail = variant.split(", ", 1)
            title = f"{pattern.format(t=head)}, {tail}"
        else:
            title = pattern.format(t=variant)
        spelling = self.markets[market].get("programme_spelling", 0)
        if spelling and "Program" in title and s.chance(spelling):
            title = title.replace("Program ", "Programme ")
        base = title
        if s.chance(self.deco["team"]) and step not in ("director", "vp"):
            title += s.pick([" - ", ", "]) + team
        if s.chance(self.deco["level_code"]):
            code = self._level_code(c, step)
            if code and any(ch.isdigit() for ch in code):  # not "Senior" from a title-style scheme
                title += s.pick([f", {code}", f" ({code})", f" - {code}"])
        if s.chance(self.deco["requisition"]):
            num = s.between(100000, 199999)
            title += s.pick([f" - R-{num}", f" (Req #{num % 100000})", f" [JR-{num}]"])
        return base, title, truth

    def _sentences(self, s: _Stream, bank: str, k: int, fill: dict) -> list[str]:
        ideas = self.banks[bank]
        order = list(range(len(ideas)))
        picked = []
        for _ in range(min(k, len(ideas))):
            j = order.pop(int(s.u() * len(order)))
            picked.append(s.pick(ideas[j]).format(**fill))
        return picked

    def _responsibilities(self, s: _Stream, c: _Company, kind: str, fill: dict) -> tuple[list[str], list[str]]:
        spec = self.kinds[kind]
        role = spec["role"]
        resp: list[str] = []
        quals: list[str] = []
        if "own" in spec:
            resp = self._sentences(s, spec["own"], s.between(3, 5), fill)
            if s.chance(0.3):
                quals += self._sentences(s, "shared", 1, fill)
        else:
            if role == "pmt":
                p_product = c.product_share
            elif role == "tpm":
                p_product = 1.0 - c.program_share
            elif role == "pm":
                p_product = 0.85
            else:  # pgm
                p_product = 0.1
            p_product = min(0.95, max(0.05, p_product + s.normal(0.08)))
            n = s.between(5, 8)
            n_product = sum(1 for _ in range(n) if s.chance(p_product))
            program_bank = "program_ops" if role == "pgm" else "program"
            resp = self._sentences(s, "product", n_product, fill)
            if role == "pgm" and s.chance(0.4):  # some plain program managers still talk engineering
                resp += self._sentences(s, "program", 1, fill)
                n -= 1
            resp += self._sentences(s, program_bank, n - n_product, fill)
            if role == "tpm" and c.tpm_launch:
                resp += self._sentences(s, "launch_customer", s.between(1, 2), fill)
            if kind in _TECH_KINDS:
                bank = spec["tech_bank"]
                n_tech = sum(1 for _ in range(3) if s.chance(c.tech))
                tech = self._sentences(s, bank, max(1, n_tech), fill)
                split = s.between(0, len(tech))
                resp += tech[:split]
                quals += tech[split:]
            elif "tech_bank" in spec and s.chance(spec.get("tech_rate", 0.0)):
                resp += self._sentences(s, spec["tech_bank"], 1, fill)
            quals += self._sentences(s, "shared", sum(1 for _ in range(3) if s.chance(0.55)), fill)
            # shuffle responsibilities so product and program sentences interleave
            for i in range(len(resp) - 1, 0, -1):
                j = int(s.u() * (i + 1))
                resp[i], resp[j] = resp[j], resp[i]
        quals = self._sentences(s, spec["quals"], s.between(2, 3), fill) + quals
        return resp, quals

    def _salary(self, s: _Stream, c: _Company, kind: str, step: str, market: str) -> tuple[int, int, str]:
        spec = self.kinds[kind]
        mk = self.markets[market]
        factor = self.pay["role_factor"].get(kind, 1.0)
        if spec["role"] in ("pmt", "tpm"):
            factor = _role_factor(c, spec["role"], step)
        mid = self.pay["base"][step] * mk["pay_scale"] * c.pay_level * factor * (1.0 + s.normal(0.04))
        spread = self.pay["spread"] * (0.7 + 0.6 * s.u())
        cur = mk["currency"]
        return _round_pay(mid * (1 - spread), cur), _round_pay(mid * (1 + spread), cur), cur

    def _salary_text(self, s: _Stream, lo: int, hi: int, cur: str) -> str:
        sym = _SYMBOL.get(cur, "")
        return s.pick(self.tpl["salary_text"]).format(lo=f"{sym}{lo:,}", hi=f"{sym}{hi:,}", lok=lo // 1000,
                                                      hik=hi // 1000, cur=cur)

    def _render(self, s: _Stream, parts: dict) -> str:
        headers = self.tpl["headers"]
        h_resp, h_quals, h_pay = s.pick(headers["resp"]), s.pick(headers["quals"]), s.pick(headers["pay"])
        if ":" in parts["pay"][:16]:  # the sentence carries its own label ("Pay: 150k-210k USD")
            h_pay = ""
        u = s.u()
        if u < HTML_SHARE:
            def esc(x: str) -> str:
                return x.replace("&", "&amp;")

            nb = "&nbsp;" if s.chance(0.5) else " "
            out = [f"<p>{esc(parts['about'])}<br><br>{esc(parts['intro'])}</p>"]
            out.append(f"<p><strong>{esc(h_resp)}:</strong></p><ul>"
                       + "".join(f"<li>{esc(x)}</li>" for x in parts["resp"]) + "</ul>")
            out.append(f"<p><b>{esc(h_quals)}</b></p><ul>" + "".join(f"<li>{esc(x)}</li>" for x in parts["quals"])
                       + "</ul>")
            if parts["pay"]:
                label = f"<strong>{h_pay}:</strong>{nb}" if h_pay else ""
                out.append(f"<p>{label}{esc(parts['pay'])}</p>")
            out.append(f"<p>{esc(parts['benefits'])}</p><p><i>{esc(parts['eeo'])}</i></p>")
            return ("<p>&nbsp;</p>" if nb != " " else "").join(out)  # some editors add empty spacer paragraphs
        if u < HTML_SHARE + MARKDOWN_SHARE:
            out = [f"**About {parts['company']}**", parts["about"], parts["intro"], f"## {h_resp}",
                   "\n".join(f"- {x}" for x in parts["resp"]), f"## {h_quals}",
                   "\n".join(f"- {x}" for x in parts["quals"])]
            if parts["pay"]:
                out.append(f"**{h_pay}:** {parts['pay']}" if h_pay else parts["pay"])
            out += [parts["benefits"], f"_{parts['eeo']}_"]
            return "\n\n".join(out)
        bullet = s.pick(["• ", "", "* "])
        if bullet:
            body_r = "\n".join(bullet + x for x in parts["resp"])
            body_q = "\n".join(bullet + x for x in parts["quals"])
        else:
            body_r, body_q = " ".join(parts["resp"]), " ".join(parts["quals"])
        out = [parts["about"] + " " + parts["intro"], f"{h_resp}:\n{body_r}", f"{h_quals}:\n{body_q}"]
        if parts["pay"]:
            out.append(f"{h_pay}: {parts['pay']}" if h_pay else parts["pay"])
        out += [parts["benefits"], parts["eeo"]]
        return "\n\n".join(out)

    def _typos(self, s: _Stream, text: str) -> str:
        for _ in range(s.between(1, 2)):
            present = [(word, typo) for word, typo in self.typos if word in text]
            if present:
                word, typo = s.pick(present)
                text = text.replace(word, typo, 1)
        return text

    # -- one posting

    def posting(self, s: _Stream) -> dict:
        c = self.companies[self.company_pick.pick(s.u())]
        day, t = self._date(s)
        kind = self._kind(s, c)
        step = self.seniority.pick(s.u())
        market = c.markets.pick(s.u())
        location = self.locations[market].pick(s.u())
        team = s.pick(c.teams)
        company_name = c.names.pick(s.u())
        base_title, title, truth = self._title(s, c, kind, step, t, market, team)
        y0, y1 = _YEARS[step]
        article = "an" if base_title[:1] in "AEIOU" else "a"
        fill = {"company": company_name, "team": team, "product": c.product, "years": s.between(y0, y1),
                "base_title": base_title, "a_title": f"{article} {base_title}", "industry": c.industry,
                "reports": _REPORTS.get(self.kinds[kind]["role"], "managers and individual contributors")}
        resp, quals = self._responsibilities(s, c, kind, fill)
        if step in ("director", "vp"):
            resp = self._sentences(s, "people", s.between(1, 2), fill) + resp
        lo, hi, cur = self._salary(s, c, kind, step, market)
        mk = self.markets[market]
        structured = s.chance(mk["transparency"])
        in_text = (structured and s.chance(0.35)) or (not structured and s.chance(TEXT_SALARY_SHARE))
        about = s.pick(self.tpl["about"]).format(**fill)
        parts = {"company": company_name, "about": about, "intro": s.pick(self.tpl["intro"]).format(**fill),
                 "resp": resp, "quals": quals, "pay": self._salary_text(s, lo, hi, cur) if in_text else "",
                 "benefits": s.pick(self.tpl["benefits"]), "eeo": s.pick(self.tpl["eeo"]).format(**fill)}
        text = self._render(s, parts)
        if s.chance(TYPO_SHARE):
            text = self._typos(s, text)
        return {"company": company_name, "title": title, "description": text, "location": location,
                "posted_date": day, "remote": bool(mk.get("remote")) or s.chance(0.05),
                "salary_min": lo if structured else None, "salary_max": hi if structured else None,
                "salary_currency": cur if structured else None, "synthetic_role": truth,
                "_company": c, "_market": market}

    def duplicate(self, s: _Stream, src: dict) -> dict:
        """A repost (same text, later date) or a copy of the same text in another location."""
        row = dict(src)
        c: _Company = src["_company"]
        if s.chance(0.55):  # repost
            delta = timedelta(days=s.between(14, 90))
            row["posted_date"] = src["posted_date"] + delta if src["posted_date"] + delta <= LAST_DAY \
                else src["posted_date"] - delta
            if s.chance(0.25):
                row["description"] = src["description"] + s.pick([" #LI-Hybrid", " #LI-Remote", "\n\n(Reposted)"])
        else:  # same posting, another location with the same currency
            cur = self.markets[src["_market"]]["currency"]
            options = [m for m in c.markets.keys if self.markets[m]["currency"] == cur] or [src["_market"]]
            market = s.pick(options)
            row["_market"] = market
            row["location"] = self.locations[market].pick(s.u())
            row["remote"] = bool(self.markets[market].get("remote")) or src["remote"]
            row["posted_date"] = min(LAST_DAY, src["posted_date"] + timedelta(days=s.between(0, 3)))
        return row


def _chunk(maker: _PostingMaker, n: int, seed: int, index: int, offset: int) -> pd.DataFrame:
    s = _Stream(np.random.default_rng([seed, 1000 + index]))
    n_dup = int(round(n * DUPLICATE_SHARE))
    rows = [maker.posting(s) for _ in range(n - n_dup)]
    if rows:
        rows += [maker.duplicate(s, rows[int(s.u() * len(rows))]) for _ in range(n_dup)]
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["posted_date"], i))
    ids = [f"SYN{offset + k + 1:07d}" for k in range(len(rows))]
    frame = {
        "posting_id": ids,
        "company": [rows[i]["company"] for i in order],
        "title": [rows[i]["title"] for i in order],
        "description": [rows[i]["description"] for i in order],
        "location": [rows[i]["location"] for i in order],
        "market": [None] * len(rows),
        "country": [None] * len(rows),
        "posted_date": [rows[i]["posted_date"].isoformat() for i in order],
        "source": ["sample"] * len(rows),
        "url": [f"https://jobs.example.com/{rows[i]['_company'].slug}/{pid.lower()}"
                for i, pid in zip(order, ids, strict=True)],
        "remote": [rows[i]["remote"] for i in order],
        "salary_min": [rows[i]["salary_min"] for i in order],
        "salary_max": [rows[i]["salary_max"] for i in order],
        "salary_currency": [rows[i]["salary_currency"] for i in order],
        "synthetic_role": [rows[i]["synthetic_role"] for i in order],
    }
    df = pd.DataFrame(frame, columns=_POSTING_COLUMNS)
    for col in ("posting_id", "company", "title", "description", "location", "market", "country", "source", "url",
                "salary_currency", "synthetic_role"):
        df[col] = df[col].astype("string")
    df["posted_date"] = pd.to_datetime(df["posted_date"], format="%Y-%m-%d").astype("datetime64[ns]")
    df["remote"] = df["remote"].astype("boolean")
    for col in ("salary_min", "salary_max"):
        df[col] = df[col].astype("Float64")
    df.index = pd.RangeIndex(offset, offset + len(df))
    return df


def iter_postings(n: int, *, n_companies: int = 18, seed: int = 7, chunk_size: int = CHUNK_SIZE,
                  templates: dict | None = None) -> Iterator[pd.DataFrame]:
    """Yield the postings of :func:`generate_postings` in chunks (bounded memory for large corpora).

    Args:
        n: Total rows, duplicates included.
        n_companies: How many fictional companies (named ones first, then invented names).
        seed: Random seed; the same seed gives the same rows.
        chunk_size: Rows per chunk. Each chunk has its own seeded stream and its own duplicates,
            so the output depends on it; keep the default to reproduce published corpora.
        templates: Parsed templates (default: ``kit/data/synthetic.yaml``).

    Yields:
        Frames of at most ``chunk_size`` rows with the postings columns.

    Raises:
        KitError: A negative ``n``, or ``n_companies`` / ``chunk_size`` below 1.
    """
    if n < 0 or n_companies < 1 or chunk_size < 1:
        raise KitError(f"cannot generate {n} postings for {n_companies} companies in chunks of {chunk_size}; "
                       "expected n >= 0, n_companies >= 1 and chunk_size >= 1")
    tpl = templates or load_templates()
    maker = _PostingMaker(tpl, _companies(tpl, n_companies, seed))
    for index, offset in enumerate(range(0, n, chunk_size)):
        yield _chunk(maker, min(chunk_size, n - offset), seed, index, offset)


def generate_postings(n: int, *, n_companies: int = 18, seed: int = 7, templates: dict | None = None) -> pd.DataFrame:
    """Generate ``n`` synthetic postings in the kit's raw postings format.

    Columns: posting_id, company, title, description (plain text, HTML or markdown), location,
    market and country (empty: the loader derives them), posted_date, source ("sample"), url
    (fictional), remote, salary_min / salary_max / salary_currency (annual, on part of the rows),
    synthetic_role (ground truth: pmt, tpm, pm, pgm or other). About 8% of rows are reposts or
    multi-location copies of another row.

    Args:
        n: Number of rows, duplicates included.
        n_companies: How many fictional companies.
        seed: Random seed; the same seed gives an identical frame.
        templates: Parsed templates (default: ``kit/data/synthetic.yaml``).

    Returns:
        The postings, sorted by date within each chunk of :data:`CHUNK_SIZE` rows.
    """
    chunks = list(iter_postings(n, n_companies=n_companies, seed=seed, templates=templates))
    if not chunks:
        return _chunk(_PostingMaker(templates or load_templates(), []), 0, seed, 0, 0)
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


# --------------------------------------------------------------------------------------------- pay, levels

def _company_list(postings_or_companies, tpl: dict, seed: int) -> list[_Company]:
    named = _companies(tpl, len(tpl["companies"]), seed)
    by_name = {}
    for c in named:
        for spelling in [c.short, *c.names.keys]:
            by_name[spelling] = c
    if postings_or_companies is None:
        return named[:18]
    if isinstance(postings_or_companies, int):
        return _companies(tpl, postings_or_companies, seed)
    if isinstance(postings_or_companies, pd.DataFrame):
        names = postings_or_companies["company"].dropna().astype(str).unique().tolist()
    else:
        names = [str(x) for x in postings_or_companies]
    wanted = sorted(set(names))
    if any(name not in by_name for name in wanted):  # invented names of a large corpus
        for c in _companies(tpl, len(tpl["companies"]) + len(wanted), seed):
            for spelling in [c.short, *c.names.keys]:
                by_name.setdefault(spelling, c)
    out, seen = [], set()
    for name in wanted:
        c = by_name.get(name)
        if c is None:  # an unknown name: a style drawn from a stream seeded by the name
            c = _company(tpl, {"short": name}, seed)
        if c.short not in seen:
            seen.add(c.short)
            out.append(c)
    return out


def generate_pay(postings_or_companies=None, *, n: int = 8000, seed: int = 7,
                 templates: dict | None = None) -> pd.DataFrame:
    """Generate self-reported-style pay observations for the fictional companies.

    Each company pays PM-T and TPM titles by its ``pay_pattern`` (``same``, ``tpm_more`` or
    ``pmt_more`` by ``pay_gap``, fading to equal pay at director and above); see datasets/README.md.

    Args:
        postings_or_companies: A postings frame (its ``company`` column), a list of company names,
            an int (the first n template companies), or None (the 18 sample companies).
            Corporate spellings such as "Initech, Inc." map to the short name ("Initech").
        n: Number of observations.
        seed: Random seed.
        templates: Parsed templates (default: ``kit/data/synthetic.yaml``).

    Returns:
        Columns company, title, level, base, stock, bonus, total, currency, location, year,
        source ("sample"), n (1).
    """
    tpl = templates or load_templates()
    companies = _company_list(postings_or_companies, tpl, seed)
    s = _Stream(np.random.default_rng([seed, 2]))
    pay = tpl["pay"]
    pick_company = _Weighted({i: c.weight ** 0.7 for i, c in enumerate(companies)})
    titles = _Weighted({t: spec[1] for t, spec in pay["titles"].items()})
    steps = _Weighted(pay["ladder_share"])
    years = _Weighted({2023: 1.0, 2024: 1.3, 2025: 1.6, 2026: 1.8})
    rows = []
    for _ in range(n):
        c = companies[pick_company.pick(s.u())]
        title = titles.pick(s.u())
        role = pay["titles"][title][0]
        step = steps.pick(s.u())
        scheme = tpl["levels"][c.levels]
        level = scheme["ic"].get(step) if step not in ("director", "vp") else scheme["manager"].get(step)
        market = c.markets.pick(s.u())
        mk = tpl["markets"][market]
        cur = mk["currency"]
        year = years.pick(s.u())
        base = (pay["base"][step] * mk["pay_scale"] * c.pay_level * _role_factor(c, role, step)
                * 1.03 ** (year - 2023) * math.exp(s.normal(0.04)))
        stock = base * c.stock * _STOCK_BY_STEP[step] * math.exp(s.normal(0.12))
        bonus = base * c.bonus * math.exp(s.normal(0.1))
        b, st, bo = _round_pay(base, cur), _round_pay(stock, cur), _round_pay(bonus, cur)
        location = _Weighted(mk["locations"]).pick(s.u())
        rows.append((c.short, title, level, b, st, bo, b + st + bo, cur, location, year))
    df = pd.DataFrame(rows, columns=PAY_OUT_COLUMNS[:10])
    df["source"] = "sample"
    df["n"] = 1
    for col in ("company", "title", "level", "currency", "location", "source"):
        df[col] = df[col].astype("string")
    for col in ("base", "stock", "bonus", "total"):
        df[col] = df[col].astype("Float64")
    df["year"] = df["year"].astype("Int64")
    df["n"] = df["n"].astype("Int64")
    return df


def generate_levels(postings_or_companies=None, *, seed: int = 7, templates: dict | None = None) -> pd.DataFrame:
    """Each fictional company's own level codes mapped onto ``kit.core.schema.LADDER``.

    Args:
        postings_or_companies: As for :func:`generate_pay`.
        seed: Random seed (chooses level schemes of invented companies).
        templates: Parsed templates (default: ``kit/data/synthetic.yaml``).

    Returns:
        Columns company, family ("all"), level, ladder, ladder_rank, track ("ic" / "manager"), note.
    """
    tpl = templates or load_templates()
    rows = []
    for c in _company_list(postings_or_companies, tpl, seed):
        scheme = tpl["levels"][c.levels]
        for track in ("ic", "manager"):
            for step, code in scheme[track].items():
                rows.append((c.short, "all", str(code), step, _LADDER_RANK[step], track,
                             f"synthetic ({c.levels} scheme)"))
    df = pd.DataFrame(rows, columns=LEVELS_OUT_COLUMNS)
    for col in LEVELS_OUT_COLUMNS:
        df[col] = df[col].astype("Int64" if col == "ladder_rank" else "string")
    return df


# --------------------------------------------------------------------------------------------- writing

def _for_csv(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD and whole-number floats as integers, so the text is the same on every pandas."""
    out = df.copy()
    for col in out.columns:
        dtype = str(out[col].dtype)
        if dtype.startswith("datetime64"):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif dtype == "Float64":
            out[col] = out[col].round().astype("Int64")
    return out


def _write_csv(df: pd.DataFrame, handle, *, header: bool) -> None:
    _for_csv(df).to_csv(handle, index=False, header=header, lineterminator="\n")


def _atomic(path: Path, write) -> Path:
    return atomic_write(path, write=write, fsync=False)


def write_corpus(out_dir: str | os.PathLike, *, n_postings: int = SAMPLE_OPTIONS["n_postings"],
                 n_companies: int = SAMPLE_OPTIONS["n_companies"], seed: int = SAMPLE_OPTIONS["seed"],
                 n_pay: int = 8000, prefix: str = "", progress: bool = False) -> list[Path]:
    """Write ``postings.csv.gz``, ``pay.csv`` and ``levels.csv`` into ``out_dir``.

    Postings stream to gzip chunk by chunk (bounded memory); each file is written under a temporary
    name and moved into place, so a reader never sees a half-written file. The gzip header carries
    no timestamp, so the same options give byte-identical files.

    Args:
        out_dir: Folder to write into (created if missing).
        n_postings: Posting rows, duplicates included.
        n_companies: Fictional companies.
        seed: Random seed.
        n_pay: Pay observations.
        prefix: File name prefix, e.g. ``"sample_"`` for the bundled ``datasets/`` files.
        progress: Show a progress bar over posting chunks.

    Returns:
        The three paths written: postings, pay, levels.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tpl = load_templates()
    companies = [c.short for c in _companies(tpl, n_companies, seed)]

    def write_postings(tmp: Path) -> None:
        chunks = iter_postings(n_postings, n_companies=n_companies, seed=seed, templates=tpl)
        if progress:
            from tqdm import tqdm

            chunks = tqdm(chunks, total=max(1, math.ceil(n_postings / CHUNK_SIZE)), unit="chunk")
        with (open(tmp, "wb") as raw,
              gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
              io.TextIOWrapper(gz, encoding="utf-8", newline="") as text):
            first = True
            for chunk in chunks:
                _write_csv(chunk, text, header=first)
                first = False
            if first:
                text.write(",".join(_POSTING_COLUMNS) + "\n")

    def write_frame(df: pd.DataFrame):
        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                _write_csv(df, fh, header=True)

        return write

    return [
        _atomic(out / f"{prefix}{POSTINGS_FILE}", write_postings),
        _atomic(out / f"{prefix}{PAY_FILE}", write_frame(generate_pay(companies, n=n_pay, seed=seed,
                                                                             templates=tpl))),
        _atomic(out / f"{prefix}{LEVELS_FILE}", write_frame(generate_levels(companies, seed=seed,
                                                                                   templates=tpl))),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m kit.sample.synthetic [--out DIR] [--postings N] [--companies N] [--seed N] [--prefix P]``.

    Without options it rewrites the bundled sample in ``datasets/``.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kit.sample.synthetic", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=DATASETS_DIR)
    parser.add_argument("--postings", type=int, default=SAMPLE_OPTIONS["n_postings"])
    parser.add_argument("--companies", type=int, default=SAMPLE_OPTIONS["n_companies"])
    parser.add_argument("--seed", type=int, default=SAMPLE_OPTIONS["seed"])
    parser.add_argument("--prefix", default=None, help='file name prefix ("sample_" when writing datasets/)')
    args = parser.parse_args(argv)
    prefix = args.prefix if args.prefix is not None else ("sample_" if args.out == DATASETS_DIR else "")
    for path in write_corpus(args.out, n_postings=args.postings, n_companies=args.companies, seed=args.seed,
                             prefix=prefix, progress=args.postings > CHUNK_SIZE):
        print(path)


if __name__ == "__main__":
    main()
