"""Plan monitoring: yearly actual figures (store, import, report) next to the plan's indicators."""
