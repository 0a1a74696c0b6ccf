"""DingTalk (钉钉) robot and 浙政钉 client.

- `signing`: callback `sign` check and 浙政钉 HMAC signatures.
- `models`: callback body and markdown reply models.
- `render`: ChatReply → DingTalk markdown messages (≤ 20,000 bytes each).
- `sender`: rate-limited async delivery to `sessionWebhook`, msgId TTL cache.
- `service`: `DingTalkBot` — commands, sessions, background answers (shared by both modes).
- `stream`: Stream-mode handler for the `dingtalk-stream` SDK.
- `zzd`: 浙政钉 outbound client.

The HTTP endpoint is `api.routers.dingtalk`; the Stream-mode command is `api.cli.dingtalk`.
"""
