"""Plans as data: every document (or bundle of documents) on disk is a plan with its own id and metadata.

`PlanInfo` is the value object, `corpus.plans.meta` infers metadata from a plan's text, and
`PlanRegistry` finds the plans on disk, ingests new ones (staged, then committed atomically) and
removes them. What a running service does with a plan (tables, tasks, index) lives in `bot.library`.
"""
