"""POST /v1/feedback: store a 👍/👎 vote on an answer (exported with `policybot feedback export`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.feedback import FEEDBACK_DB, FeedbackIn, FeedbackStore, SqliteFeedbackStore

router = APIRouter(tags=["feedback"])


class FeedbackSaved(BaseModel):
    id: str
    created_at: str


def get_store(request: Request) -> FeedbackStore:
    """The app's store: `app.state.feedback` if a test set one, else SQLite in the data dir."""
    store: FeedbackStore | None = getattr(request.app.state, "feedback", None)
    if store is None:
        store = SqliteFeedbackStore(request.app.state.settings.data_dir / FEEDBACK_DB)
        request.app.state.feedback = store
    return store


@router.post("/v1/feedback", response_model=FeedbackSaved, status_code=201, summary="Rate an answer (👍/👎)")
def post_feedback(body: FeedbackIn, request: Request) -> FeedbackSaved:
    """Example body: `{"rating": "down", "question": "…", "answer": "…", "comment": "数字不对"}`."""
    record = get_store(request).add(body)
    return FeedbackSaved(id=record.id, created_at=record.created_at)
