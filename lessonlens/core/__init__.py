"""The minimal core, only the contract: data model, documents, hooks, plugin manager, errors, i18n."""
