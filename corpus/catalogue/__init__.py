"""The plan's task catalogue: 8 main tasks (工程), 32 sub-tasks and 4 safeguards, checked against the text.

>>> from corpus.catalogue import load_catalogue
>>> len(load_catalogue().subtasks)
32
"""

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

__all__ = [
    "CATALOGUE_PATH",
    "CatalogueError",
    "MainTask",
    "Safeguard",
    "SubTask",
    "TaskCatalogue",
    "TaskCitation",
    "load_catalogue",
    "parse_document_tasks",
]
