"""A plan's task catalogue: main tasks, sub-tasks and safeguards.

Derived from the plan's text (:func:`derive_catalogue`), optionally enriched with the team's notes
(:func:`load_plan_catalogue`); :func:`load_catalogue` reads and checks the shipped plan's
hand-written ``tasks.yaml``.

>>> from corpus.catalogue import load_catalogue
>>> len(load_catalogue().subtasks)
32
"""

from corpus.catalogue.enrichment import enrich, find_enrichment, load_plan_catalogue
from corpus.catalogue.loader import (
    CATALOGUE_PATH,
    CatalogueError,
    MainTask,
    Safeguard,
    SubTask,
    TaskCatalogue,
    TaskCitation,
    load_catalogue,
    parse_document_tasks,
)
from corpus.catalogue.structure import derive_catalogue

__all__ = [
    "CATALOGUE_PATH",
    "CatalogueError",
    "MainTask",
    "Safeguard",
    "SubTask",
    "TaskCatalogue",
    "TaskCitation",
    "derive_catalogue",
    "enrich",
    "find_enrichment",
    "load_catalogue",
    "load_plan_catalogue",
    "parse_document_tasks",
]
