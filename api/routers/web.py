"""The web workspace: pages at `/`, `/indicators`, `/tasks`, their static assets, offline API docs, `/v1/about`.

Pages are static HTML; every figure and passage on them comes from the JSON API and is inserted as text
(answers as sanitised markdown), so nothing the server or a document says is ever parsed as page HTML.
Browser libraries are vendored under `api/web/static/vendor/` (see VENDOR.md there): no request leaves
the host, and `/docs` and `/redoc` work offline.

Wiring (done in `api.app.create_app`, which passes ``docs_url=None, redoc_url=None``)::

    app.include_router(web.router)
    web.install_static(app)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from api.deps import get_components

router = APIRouter(tags=["web"])
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGES_DIR = WEB_DIR / "pages"
STATIC_DIR = WEB_DIR / "static"
VENDOR = "/static/vendor"
SWAGGER_JS = f"{VENDOR}/swagger-ui-dist-5.35.0/swagger-ui-bundle.js"
SWAGGER_CSS = f"{VENDOR}/swagger-ui-dist-5.35.0/swagger-ui.css"
SWAGGER_FAVICON = f"{VENDOR}/swagger-ui-dist-5.35.0/favicon-32x32.png"
REDOC_JS = f"{VENDOR}/redoc-2.5.4/redoc.standalone.js"

# The pages load only their own scripts and talk only to this server; inline scripts are refused, so an
# injected <script> or onerror= could not run even if it slipped past the sanitiser.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}

# The help text lists example questions in “…” quotes; the first 《…》 names the plan.
_QUOTED = re.compile(r"“([^”]{4,60})”")
_BOOK_TITLE = re.compile(r"《([^》]{2,80})》")
DEFAULT_TITLE = "规划问答助手"


@cache
def _page(name: str) -> str:
    return (PAGES_DIR / name).read_text(encoding="utf-8")


def _html(name: str) -> HTMLResponse:
    return HTMLResponse(_page(name), headers=PAGE_HEADERS)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
def chat_page() -> HTMLResponse:
    return _html("index.html")


@router.api_route("/indicators", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
def indicators_page() -> HTMLResponse:
    return _html("indicators.html")


@router.api_route("/tasks", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
def tasks_page() -> HTMLResponse:
    return _html("tasks.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    return RedirectResponse(SWAGGER_FAVICON, status_code=308)


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} · API",
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=SWAGGER_FAVICON,
    )


@router.get("/docs/oauth2-redirect", include_in_schema=False)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} · ReDoc",
        redoc_js_url=REDOC_JS,
        redoc_favicon_url=SWAGGER_FAVICON,
        with_google_fonts=False,
    )


class DocumentOut(BaseModel):
    source: str = Field(description="File name, as in a citation's `source`.")
    title: str = Field(description="The document's own title, shown instead of the file name.")
    issuer: str = ""
    date: str = ""


class About(BaseModel):
    title: str = Field(description="What the assistant covers, from its help text (the page title).")
    examples: list[str] = Field(description="Example questions from the help text, for the empty chat page.")
    documents: list[DocumentOut] = Field(description="Indexed documents, to name a citation's source.")


def help_examples(text: str) -> tuple[str, list[str]]:
    """The plan title and the example questions quoted in a help text.

    >>> help_examples("我是《某规划》问答助手：\\n- 指标，如“5G基站数量2025年目标是多少？”")
    ('某规划', ['5G基站数量2025年目标是多少？'])
    """
    found = _BOOK_TITLE.search(text)
    return (found.group(1) if found else DEFAULT_TITLE), _QUOTED.findall(text)


def _documents(index: Any) -> list[DocumentOut]:
    docs = []
    for doc in getattr(index, "documents", None) or []:
        if isinstance(doc, dict) and doc.get("source"):
            docs.append(
                DocumentOut(
                    source=str(doc["source"]),
                    title=str(doc.get("title") or doc["source"]),
                    issuer=str(doc.get("issuer") or ""),
                    date=str(doc.get("date") or ""),
                )
            )
    return docs


@router.get("/v1/about", response_model=About, summary="Title, example questions and documents (for clients)")
def about(request: Request) -> About:
    """What the web page shows before the first question: its title, examples and document names."""
    from bot.service import help_text

    components = get_components(request)
    library = components.library
    contexts = library.contexts()
    _title, examples = help_examples(help_text(contexts))
    default = library.default_id
    if default is not None:
        title = library.get(default).info.title
    elif len(contexts) == 1:
        title = contexts[0].info.title
    else:
        title = f"规划问答（{len(contexts)}个规划）"
    documents = [d for ctx in contexts for d in _documents(ctx.index)]
    return About(title=title, examples=examples, documents=documents)


def install_static(app: FastAPI) -> None:
    """Serve `api/web/static` at `/static` (the pages' scripts, styles and vendored libraries)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
