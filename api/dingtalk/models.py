"""Pydantic models of a DingTalk robot callback body and of the markdown reply.

The callback model accepts unknown fields (DingTalk adds some over time) and both the HTTP-callback
and the Stream-mode payloads, which share the same field names.

>>> msg = CallbackMessage.model_validate({"msgtype": "text", "text": {"content": " 帮助"}, "msgId": "m1",
...     "conversationId": "c1", "conversationType": "2", "senderStaffId": "u1"})
>>> msg.question, msg.is_group
('帮助', True)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Whitespace DingTalk leaves in front of the question after it removes the @robot mention,
# including the full-width space Chinese IMEs type.
_LEADING_SPACE = " \t\r\n\u3000\u00a0"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TextContent(_Tolerant):
    content: str = ""


class AtUser(_Tolerant):
    dingtalk_id: str | None = Field(default=None, alias="dingtalkId")
    staff_id: str | None = Field(default=None, alias="staffId")


class CallbackMessage(_Tolerant):
    """One message sent to the robot (HTTP callback body or Stream-mode `data`)."""

    msgtype: str = Field(default="text", description="text, picture, richText, audio, file ...")
    text: TextContent | None = None
    msg_id: str = Field(alias="msgId", min_length=1)
    create_at: int | None = Field(default=None, alias="createAt", description="Milliseconds since the epoch.")
    conversation_type: str = Field(
        default="1", alias="conversationType", description='"1" one-to-one, "2" group.'
    )
    conversation_id: str = Field(default="", alias="conversationId")
    conversation_title: str | None = Field(default=None, alias="conversationTitle")
    sender_id: str | None = Field(default=None, alias="senderId")
    sender_staff_id: str | None = Field(default=None, alias="senderStaffId")
    sender_nick: str | None = Field(default=None, alias="senderNick")
    is_in_at_list: bool | None = Field(default=None, alias="isInAtList")
    at_users: list[AtUser] = Field(default_factory=list, alias="atUsers")
    session_webhook: str | None = Field(default=None, alias="sessionWebhook", repr=False)
    session_webhook_expired_time: int | None = Field(default=None, alias="sessionWebhookExpiredTime")
    robot_code: str | None = Field(default=None, alias="robotCode")

    @field_validator("conversation_type", mode="before")
    @classmethod
    def _as_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def is_text(self) -> bool:
        return self.msgtype == "text" and self.text is not None

    @property
    def question(self) -> str:
        """The text with the space DingTalk leaves after the @mention (and trailing space) removed."""
        return (self.text.content if self.text else "").lstrip(_LEADING_SPACE).rstrip()

    @property
    def is_group(self) -> bool:
        return self.conversation_type == "2"

    @property
    def asker(self) -> str:
        """Who asked: the staff id when DingTalk sends one (internal robots do), else the sender id."""
        return self.sender_staff_id or self.sender_id or ""


class MarkdownBody(BaseModel):
    title: str
    text: str


class AtSpec(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at_user_ids: list[str] = Field(default_factory=list, alias="atUserIds")
    is_at_all: bool = Field(default=False, alias="isAtAll")


class MarkdownMessage(BaseModel):
    """What the robot POSTs to `sessionWebhook`.

    >>> MarkdownMessage(markdown=MarkdownBody(title="t", text="x")).payload()["msgtype"]
    'markdown'
    """

    msgtype: str = "markdown"
    markdown: MarkdownBody
    at: AtSpec = Field(default_factory=lambda: AtSpec(atUserIds=[], isAtAll=False))

    def payload(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
