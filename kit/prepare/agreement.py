"""How well a role decision agrees with a person's judgement: confusion matrix and per-class scores.

Used to measure :mod:`kit.prepare.roles` on a judged set (``tests/fixtures/judged_roles.csv`` holds ids and
labels of real postings; ``python -m benchmarks.roles_agreement`` prints the matrices). Postings
judged "ambiguous" are left out of every score and counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.core.schema import ROLES

__all__ = ["Agreement", "role_agreement"]


@dataclass
class Agreement:
    """Agreement of predicted roles with judged ones.

    Attributes:
        confusion: Frame indexed by judged role, one column per predicted role (counts).
        scores: Frame ``[role, n_judged, n_predicted, precision, recall, f1]`` (NA when undefined).
        accuracy: Share of scored postings where prediction == judgement.
        n: Postings scored (ambiguous ones excluded).
        n_ambiguous: Postings judged ambiguous (left out).
    """

    confusion: pd.DataFrame
    scores: pd.DataFrame
    accuracy: float
    n: int
    n_ambiguous: int

    def __str__(self) -> str:
        return (
            f"agreement {self.accuracy:.1%} on {self.n} postings ({self.n_ambiguous} ambiguous left out)\n"
            f"rows = judged, columns = predicted\n{self.confusion.to_string()}\n\n"
            f"{self.scores.to_string(index=False, float_format=lambda v: f'{v:.2f}')}"
        )


def role_agreement(predicted: pd.Series, judged: pd.Series, *, classes: tuple[str, ...] = ROLES) -> Agreement:
    """Compare predicted roles with judged ones, aligned by index.

    Args:
        predicted: Predicted role per posting.
        judged: Judged role per posting ("ambiguous" allowed; those rows are left out).
        classes: The role codes to report, in order.

    Returns:
        An :class:`Agreement` (print it for a plain-text report).
    """
    both = pd.DataFrame({"judged": judged.astype("string"), "predicted": predicted.reindex(judged.index)})
    both["predicted"] = both["predicted"].astype("string").fillna("other")
    n_amb = int(both["judged"].eq("ambiguous").sum())
    both = both[both["judged"].ne("ambiguous") & both["judged"].notna()]
    labels = list(classes) + sorted((set(both["judged"]) | set(both["predicted"])) - set(classes))
    confusion = pd.crosstab(both["judged"], both["predicted"]).reindex(index=labels, columns=labels, fill_value=0)
    confusion.index.name, confusion.columns.name = "judged", "predicted"
    rows = []
    for role in labels:
        tp = int(confusion.loc[role, role])
        n_judged, n_pred = int(confusion.loc[role].sum()), int(confusion[role].sum())
        precision = tp / n_pred if n_pred else float("nan")
        recall = tp / n_judged if n_judged else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if n_pred and n_judged and (precision + recall) else (
            0.0 if n_judged or n_pred else float("nan"))
        rows.append({"role": role, "n_judged": n_judged, "n_predicted": n_pred,
                     "precision": precision, "recall": recall, "f1": f1})
    n = len(both)
    accuracy = float((both["judged"] == both["predicted"]).mean()) if n else float("nan")
    return Agreement(confusion=confusion, scores=pd.DataFrame(rows), accuracy=accuracy, n=n, n_ambiguous=n_amb)
