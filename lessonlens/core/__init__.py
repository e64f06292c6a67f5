"""The minimal core: data model, documents, hooks, plugin manager, pipeline, i18n."""
