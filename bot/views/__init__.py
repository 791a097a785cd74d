"""Block Kit views built from stored state, with slack_sdk models. No Web API calls here."""
